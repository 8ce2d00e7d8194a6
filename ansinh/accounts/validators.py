"""Password policy (DESIGN §3.2): 12–128 characters, no composition rules, no common
passwords, nothing built from the person's own BHXH code, CCCD, name or date of birth."""

from __future__ import annotations

import re
import threading
import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def _ascii_digit(ch: str) -> str:
    digit = unicodedata.decimal(ch, None)
    return ch if digit is None else str(digit)


def fold(text: str) -> str:
    """Lower-case, drop Vietnamese diacritics (đ → d) and everything that is not a letter or digit.

    Digits of any script (``٣``, full-width ``３``) count as their ASCII digit, so a BHXH code
    typed in another script is still recognised.
    """
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(_ascii_digit(ch) for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]", "", stripped.lower(), flags=re.ASCII)


class MaximumLengthValidator:
    def __init__(self, max_length: int = 128) -> None:
        self.max_length = max_length

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                ngettext(
                    "This password is too long. It must contain at most %(max_length)d character.",
                    "This password is too long. It must contain at most %(max_length)d characters.",
                    self.max_length,
                ),
                code="password_too_long",
                params={"max_length": self.max_length},
            )

    def get_help_text(self) -> str:
        return _("Your password must contain at most %(max_length)d characters.") % {
            "max_length": self.max_length
        }


class ControlCharacterValidator:
    """Reject control characters (NUL, CR, LF, TAB, DEL…): no keyboard types them, the portal's
    forms refuse NUL anyway, and a password set through the API with one could never be typed
    at the portal's login."""

    def validate(self, password: str, user: Any = None) -> None:
        if any(unicodedata.category(ch) == "Cc" for ch in password):
            raise ValidationError(
                _("This password contains a control character."), code="password_control_char"
            )

    def get_help_text(self) -> str:
        return _("Your password cannot contain control characters.")


class PersonalDataValidator:
    """Reject passwords that contain the user's identifiers, full name or date of birth."""

    def _personal_strings(self, user: Any) -> list[str]:
        values: list[str] = []
        if user is None:
            return values
        values.append(getattr(user, "username", "") or "")
        # Not gated on ``person_id``: an account being set up may hold a Person not yet saved.
        person = getattr(user, "person", None)
        name = person.full_name if person is not None else getattr(user, "full_name", "")
        if name:
            values.append(name)
            parts = name.split()
            if len(parts) > 1:
                values.append(" ".join(parts[-1:] + parts[:-1]))  # given name first
        if person is not None:
            values.append(person.bhxh_code)
            if person.cccd:
                values.append(person.cccd)
            dob = person.date_of_birth
            values += [
                dob.strftime("%Y%m%d"),
                dob.strftime("%d%m%Y"),
                dob.strftime("%d%m%y"),
                dob.strftime("%m%d%Y"),
                # Vietnamese dates are often written without zero padding: 7/5/1990.
                f"{dob.day}{dob.month}{dob.year}",
                f"{dob.year}{dob.month}{dob.day}",
            ]
        return [fold(v) for v in values if len(fold(v)) >= 4]

    def validate(self, password: str, user: Any = None) -> None:
        folded = fold(password)
        for value in self._personal_strings(user):
            if value in folded:
                raise ValidationError(
                    _(
                        "Your password must not contain your BHXH code, CCCD, name or date of birth."
                    ),
                    code="password_personal_data",
                )

    def get_help_text(self) -> str:
        return _("Your password must not contain your BHXH code, CCCD, name or date of birth.")


# zxcvbn refuses longer input (its matching is quadratic); the first 72 characters are what it
# scores. A password whose first 72 characters are guessable is refused whatever follows.
_ESTIMATOR_MAX_LENGTH = 72
# zxcvbn keeps the user inputs in a module-level dictionary between setting and matching them:
# without the lock, two threads could each be matched against the other person's data.
_ESTIMATOR_LOCK = threading.Lock()


def _user_inputs(user: Any) -> list[str]:
    """The person's own data, as zxcvbn's ``user_inputs`` dictionary (matched lower-cased)."""
    if user is None:
        return []
    values: list[str] = [getattr(user, "username", "") or "", getattr(user, "email", "") or ""]
    person = getattr(user, "person", None)
    name = person.full_name if person is not None else getattr(user, "full_name", "")
    if name:
        values += [name, fold(name), *name.split(), *(fold(part) for part in name.split())]
    if person is not None:
        values += [person.bhxh_code, person.cccd or "", person.email or ""]
        dob = person.date_of_birth
        if dob is not None:
            values += [
                dob.strftime("%Y%m%d"),
                dob.strftime("%d%m%Y"),
                dob.strftime("%d%m%y"),
                f"{dob.day}{dob.month}{dob.year}",
            ]
    for email in [v for v in values if "@" in v]:
        values.append(email.split("@", 1)[0])
    return [v for v in dict.fromkeys(values) if len(v) >= 3]


def _patterns(matches: list[dict[str, Any]]) -> set[str]:
    """The kinds of weakness zxcvbn found (a repeat's base matches count too)."""
    found: set[str] = set()
    for match in matches:
        pattern = match.get("pattern", "")
        if pattern == "dictionary" and match.get("dictionary_name") == "user_inputs":
            found.add("personal")
        elif pattern in ("dictionary", "spatial", "repeat", "sequence", "date", "regex"):
            found.add(pattern)
        found |= _patterns(match.get("base_matches") or [])
    return found


def _contains_personal_data(password: str, user: Any) -> bool:
    try:
        PersonalDataValidator().validate(password, user)
    except ValidationError:
        return True
    return False


class GuessablePasswordValidator:
    """Refuse passwords that zxcvbn (the Dropbox strength estimator) scores below ``min_score``
    on its 0–4 scale: sequences, repeats, keyboard rows, all-digit strings, common passwords and
    words, dates, and the person's own data. No composition rules: a long passphrase of plain
    words passes. The message says why, never what was typed."""

    def __init__(self, min_score: int = 3) -> None:
        self.min_score = min_score

    def validate(self, password: str, user: Any = None) -> None:
        from zxcvbn import zxcvbn

        with _ESTIMATOR_LOCK:
            result = zxcvbn(password[:_ESTIMATOR_MAX_LENGTH], user_inputs=_user_inputs(user))
        if result["score"] >= self.min_score:
            return
        found = _patterns(result["sequence"])
        if "personal" in found and _contains_personal_data(password, user):
            return  # PersonalDataValidator says so already, in its own words
        if "personal" in found:
            message, code = (
                _("This password is built from your own data (identifiers, name, date, email)."),
                "password_guessable_personal",
            )
        elif password.strip().isdigit():
            message, code = _("This password is only digits."), "password_all_digits"
        elif "repeat" in found:
            message, code = (
                _("This password repeats characters or words, like “aaa” or “abcabc”."),
                "password_repeat",
            )
        elif "sequence" in found:
            message, code = (
                _("This password is a sequence, like “abcdef” or “123456”."),
                "password_sequence",
            )
        elif "spatial" in found:
            message, code = (
                _("This password follows the keyboard, like “qwerty” or “asdfgh”."),
                "password_keyboard",
            )
        elif "dictionary" in found:
            message, code = (
                _("This password is a common password or word, easy to guess."),
                "password_common",
            )
        elif found & {"date", "regex"}:
            message, code = (_("This password is mostly a date or a year."), "password_date")
        else:
            message, code = _("This password is too easy to guess."), "password_guessable"
        raise ValidationError(
            f"{message} {_('Add a few uncommon words: a passphrase is easiest.')}",
            code=code,
        )

    def get_help_text(self) -> str:
        return _(
            "Your password must not be easy to guess: no sequences, repeats, keyboard rows, "
            "all-digit strings or common passwords."
        )
