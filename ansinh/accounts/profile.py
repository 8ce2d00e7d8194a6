"""What a signed-in user may see of their own record, masked (DESIGN §3.2, security G3)."""

from __future__ import annotations

from typing import Any

from ansinh.lib.identifiers import mask_email, mask_middle, mask_phone

from .models import User


def profile_of(user: User, *, reveal: bool = False) -> dict[str, Any]:
    """The profile shown by ``GET /me`` and the portal home: CCCD, phone and email masked.

    ``reveal=True`` (the portal's "Hiện", for the signed-in person's own profile) adds them in
    full as ``cccd``, ``phone`` and ``email``: the person reading their own record, which is no
    one else's access, so nothing goes to the data-access log. A staff account has none."""
    data: dict[str, Any] = {
        "username": user.username,
        "full_name": user.display_name,
        "role": user.role,
        "password_change_required": user.password_change_required,
    }
    person = user.person if user.person_id else None
    if person is None:
        office = user.office
        data.update(
            kind="staff", office={"code": office.code, "name": office.name} if office else None
        )
        return data
    data.update(
        kind="citizen",
        bhxh_code=person.bhxh_code,
        cccd_masked=mask_middle(person.cccd, keep_start=3, keep_end=3) if person.cccd else None,
        date_of_birth=person.date_of_birth,
        sex=person.sex,
        address=person.address,
        phone_masked=mask_phone(person.phone) if person.phone else None,
        email_masked=mask_email(person.email) if person.email else None,
        email_verified=person.email_verified,
    )
    if reveal:
        data.update(
            cccd=person.cccd or None, phone=person.phone or None, email=person.email or None
        )
    return data
