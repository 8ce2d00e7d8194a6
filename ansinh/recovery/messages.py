"""Texts the API and the portal share, so both channels say exactly the same thing."""

from django.conf import settings
from django.utils.translation import gettext


def started_message() -> str:
    """The one answer to every well-formed recovery request, match or not."""
    return gettext(
        "If the BHXH code or CCCD number and the email match our records, a 6-digit code has "
        "been sent to that email; it is valid for %(minutes)d minutes. If you have no email on "
        "record, ask your employer or collection organisation to file form TK1-TS for you, or "
        "file form 02/SĐ-GD at any BHXH office with your CCCD. Once the dossier is approved, "
        "choose “Forgot password” and enter the email address registered in the dossier: the "
        "OTP code will be sent to that address, and entering it confirms the address and "
        "recovers your account."
    ) % {"minutes": max(1, settings.RECOVERY_OTP_TTL_SECONDS // 60)}
