"""The public office finder's filter (portal "Tìm cơ quan BHXH"); the service
(``people.offices.find_offices``) decides what matches."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .offices import MAX_QUERY_LENGTH, provinces


class OfficeSearchForm(forms.Form):
    """``?tinh=01&q=ba dinh``: a province (empty: all) and words to look for."""

    tinh = forms.ChoiceField(
        label=_("Province or city"),
        required=False,
        help_text=_("Choose one to see only its offices."),
    )
    q = forms.CharField(
        label=_("Name, district or street"),
        required=False,
        max_length=MAX_QUERY_LENGTH,
        help_text=_("For example: Ba Đình, Hải Châu, Quận 1. Diacritics are optional."),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, Any]] = [("", _("All provinces and cities"))]
        choices += [(p.code, p.name) for p in provinces()]
        self.fields["tinh"].choices = choices  # type: ignore[attr-defined]
