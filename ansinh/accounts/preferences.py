"""A signed-in person's preferences kept on their account: the language notices and emails
are written in (DESIGN §3.7: Vietnamese, English when the person chose it)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from ansinh.audit.services import record
from ansinh.lib.actor import Actor
from ansinh.people.models import Person

LANGUAGE_CODES = frozenset(code for code, _name in settings.LANGUAGES)


def set_language(*, actor: Actor, language: str) -> bool:
    """Keep ``language`` (``vi`` or ``en``) as the acting user's language: every notice and
    email written for them from now on is in it, whoever or whatever writes it (staff deciding
    in another language, the task worker). A citizen's registry record gets it too, so the
    person's language is the same wherever it is read. Nothing for an anonymous actor or an
    unknown language; returns whether the language changed (audited)."""
    user = actor.user
    if user is None or not user.is_authenticated or language not in LANGUAGE_CODES:
        return False
    if user.language == language:
        return False
    with transaction.atomic():
        user.language = language
        user.save(update_fields=["language"])
        if user.person_id is not None:
            Person.objects.filter(pk=user.person_id).update(language=language)
        record("account.language_changed", subject=user, by=actor, details={"language": language})
    return True
