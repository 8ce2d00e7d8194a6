"""The translation catalogues (CONTRIBUTING: Vietnamese first, English second): complete,
compiled from the committed sources, placeholders intact, and really used at run time."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
LANGUAGES = ["vi", "en"]
# %(name)s, %(count)d, %s, %d …; {name} (str.format); %% is a literal percent sign.
PLACEHOLDER = re.compile(r"%\([^)]+\)[#0 +-]*\d*(?:\.\d+)?[sdifrxXeEgGc]|%[sdifr]|\{\w*\}")
HTML_TAG = re.compile(r"<[^>]+>")

WRONG_PASSWORD = "Khong-Phai-Mat-Khau-2026"
VI_INVALID_CREDENTIALS = "Tên đăng nhập hoặc mật khẩu không đúng."
EN_INVALID_CREDENTIALS = "The identifier or password is incorrect."


def _po(language: str) -> polib.POFile:
    return polib.pofile(str(LOCALE_DIR / language / "LC_MESSAGES" / "django.po"))


def _mo(language: str) -> polib.MOFile:
    return polib.mofile(str(LOCALE_DIR / language / "LC_MESSAGES" / "django.mo"))


def _translations(entries: list[polib.POEntry] | list[polib.MOEntry]) -> dict:
    """(context, msgid, msgid_plural) -> msgstr, or the tuple of plural msgstrs."""
    return {
        (e.msgctxt, e.msgid, e.msgid_plural or None): (
            tuple(e.msgstr_plural[i] for i in sorted(e.msgstr_plural))
            if e.msgid_plural
            else e.msgstr
        )
        for e in entries
        if e.msgid  # the header entry of a .mo
    }


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text.replace("%%", "")))


def test_vietnamese_header_names_the_language_and_its_single_plural_form():
    po = _po("vi")
    assert not po.metadata_is_fuzzy
    assert po.metadata["Language"] == "vi"
    assert po.metadata["Project-Id-Version"] == "An Sinh"
    assert po.metadata["Content-Type"] == "text/plain; charset=UTF-8"
    assert po.metadata["Plural-Forms"].replace(" ", "") == "nplurals=1;plural=0;"


def test_english_header_names_the_language_and_its_two_plural_forms():
    po = _po("en")
    assert not po.metadata_is_fuzzy
    assert po.metadata["Language"] == "en"
    assert po.metadata["Content-Type"] == "text/plain; charset=UTF-8"
    assert po.metadata["Plural-Forms"].replace(" ", "") == "nplurals=2;plural=(n!=1);"


def test_every_vietnamese_message_is_translated_and_none_is_fuzzy():
    po = _po("vi")
    entries = [e for e in po if not e.obsolete]
    assert entries, "the Vietnamese catalogue is empty"
    untranslated = [e.msgid for e in entries if not e.translated() and not e.fuzzy]
    fuzzy = [e.msgid for e in entries if e.fuzzy]
    assert untranslated == []
    assert fuzzy == []
    for entry in entries:
        if entry.msgid_plural:
            assert sorted(entry.msgstr_plural) == [0], entry.msgid  # nplurals=1
            assert entry.msgstr_plural[0].strip(), entry.msgid
        else:
            assert entry.msgstr.strip(), entry.msgid


def test_the_english_catalogue_has_the_same_messages_as_the_vietnamese_one():
    vi = {(e.msgctxt, e.msgid, e.msgid_plural) for e in _po("vi") if not e.obsolete}
    en = {(e.msgctxt, e.msgid, e.msgid_plural) for e in _po("en") if not e.obsolete}
    assert en == vi


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_committed_mo_is_compiled_from_the_committed_po(language):
    po, mo = _po(language), _mo(language)
    compiled = [e for e in po.translated_entries() if not e.obsolete]
    assert _translations(mo) == _translations(compiled)
    # msgfmt leaves out POT-Creation-Date, so a .mo does not change when only that date did.
    assert mo.metadata == {k: v for k, v in po.metadata.items() if k != "POT-Creation-Date"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_every_placeholder_and_html_tag(language):
    for entry in _po(language).translated_entries():
        sources = [entry.msgid, entry.msgid_plural] if entry.msgid_plural else [entry.msgid]
        wanted = set().union(*(_placeholders(s) for s in sources))
        tags = set().union(*(HTML_TAG.findall(s) for s in sources))
        outputs = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for output in outputs:
            assert _placeholders(output) == wanted, (entry.msgid, output)
            assert set(HTML_TAG.findall(output)) == tags, (entry.msgid, output)


def test_gettext_returns_vietnamese_for_vi_and_the_source_for_en():
    with translation.override("vi"):
        assert translation.gettext(EN_INVALID_CREDENTIALS) == VI_INVALID_CREDENTIALS
        assert translation.gettext("Sign in") == "Đăng nhập"
        message = translation.ngettext(
            "This password is too long. It must contain at most %(max_length)d character.",
            "This password is too long. It must contain at most %(max_length)d characters.",
            128,
        ) % {"max_length": 128}
        assert message == "Mật khẩu này quá dài. Mật khẩu chỉ được có tối đa 128 ký tự."
    with translation.override("en"):
        assert translation.gettext(EN_INVALID_CREDENTIALS) == EN_INVALID_CREDENTIALS


@pytest.mark.django_db
def test_the_api_answers_in_vietnamese_by_default_and_in_english_on_request(api, citizen):
    body = {"username": "0123456789", "password": WRONG_PASSWORD}

    default = api.post("/auth/login", body)
    english = api.post("/auth/login", body, lang="en")

    assert default.status_code == english.status_code == 401
    assert default.json()["error"]["message"] == VI_INVALID_CREDENTIALS
    assert english.json()["error"]["message"] == EN_INVALID_CREDENTIALS
