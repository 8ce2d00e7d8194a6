"""What a reset tells a person who has passkeys (issue 13).

A password reset, a password change, "sign out everywhere" and an email dispute end every
session and token, those a passkey signed in included, but they delete no passkey: a passkey
is a device the person holds. So whoever resets is told that passkeys still sign in, and
where to remove one whose device is lost: the emails of a recovery and of a password change,
and the answer (and the in-app notice) of "sign out everywhere".
"""

from __future__ import annotations

from django.conf import settings
from django.utils.functional import Promise, lazy
from django.utils.translation import ngettext

from .models import Passkey, User

# Where a person removes passkeys: the app's "Khóa truy cập" screen (ansinh/app/static/app/
# screens/passkeys.js; signed out, the app asks to sign in first).
MANAGE_PATH = "/app/#/khoa-truy-cap"


def passkeys_left(user: User) -> int:
    return Passkey.objects.filter(user=user).count()


def manage_url() -> str:
    return str(settings.SITE_URL) + MANAGE_PATH


def reminder(count: int) -> str | Promise:
    """The sentence for ``count`` passkeys, in whatever language is active when it is
    rendered (a lazy text: emails render it in the recipient's language); empty for none."""
    if count <= 0:
        return ""
    # Rendered when it is turned into text: ``ngettext_lazy(...) % values`` would translate
    # at once, in the language of the request rather than the recipient's.
    return _lazy_sentence(count, manage_url())


def _sentence(count: int, url: str) -> str:
    return ngettext(
        "You have %(count)d passkey; if you lost a device, remove its passkey in the An Sinh "
        "app under “Passkeys” (%(url)s).",
        "You have %(count)d passkeys; if you lost a device, remove its passkey in the An Sinh "
        "app under “Passkeys” (%(url)s).",
        count,
    ) % {"count": count, "url": url}


_lazy_sentence = lazy(_sentence, str)


def reminder_for(user: User) -> str | Promise:
    return reminder(passkeys_left(user))
