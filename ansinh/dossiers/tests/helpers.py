"""Shared steps of the dossier tests: sign in through the API, file dossiers, read codes and
links from the outbox."""

from __future__ import annotations

import json
import re
from typing import Any

from django.core import mail
from django.test import Client

from ansinh.conftest import UNIT_KEY, Api, run_on_commit

CODE_RE = re.compile(r"^(?:Mã OTP|Code): ([0-9]{6})$", re.M)
LINK_RE = re.compile(r"^(http\S+/khong-phai-toi/\S+)$", re.M)
TEMPORARY_RE = re.compile(r"^(?:Mật khẩu tạm thời|Temporary password): (\S+)$", re.M)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"0" * 64


def photo(fmt: str = "PNG", *, size: tuple[int, int] = (96, 60), colour: str = "#0b5394") -> bytes:
    """A small real image (Pillow), as a phone's camera would send a photo."""
    from io import BytesIO

    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, "white")
    ImageDraw.Draw(image).rectangle((4, 4, size[0] - 5, size[1] - 5), outline=colour, width=4)
    out = BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def registration_photos(**overrides: Any) -> dict[str, Any]:
    """The three photos of a registration as uploads (``None`` in ``overrides`` leaves one
    out; bytes replace one)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    contents: dict[str, Any] = {
        "cccd_front": ("cccd-truoc.jpg", photo("JPEG")),
        "cccd_back": ("cccd-sau.jpg", photo("JPEG", colour="#b42318")),
        "portrait": ("chan-dung.png", photo("PNG", size=(60, 80))),
    }
    for kind, value in overrides.items():
        contents[kind] = None if value is None else (f"{kind}.bin", value)
    return {
        kind: SimpleUploadedFile(name, data, content_type="application/octet-stream")
        for kind, item in contents.items()
        if item is not None
        for name, data in [item]
    }


def token(api: Api, username: str, password: str) -> str:
    return str(api.login(username, password)["access_token"])


def unit_file(api: Api, bhxh_code: str, changes: dict[str, str], *, key: str = UNIT_KEY) -> Any:
    return api.post(
        "/unit/dossiers",
        {"form": "TK1-TS", "bhxh_code": bhxh_code, "changes": changes},
        headers={"X-API-Key": key},
    )


def decide(
    api: Api, staff_token: str, dossier_id: str, decisions: dict[str, str], **extra: Any
) -> Any:
    return api.post(
        f"/staff/dossiers/{dossier_id}/decision",
        {"decisions": decisions, **extra},
        token=staff_token,
    )


def messages_to(address: str) -> list[Any]:
    return [m for m in mail.outbox if address in m.to]


def last_code(address: str) -> str:
    found = [c for m in messages_to(address) for c in CODE_RE.findall(m.body)]
    assert found, f"no code was emailed to {address}"
    return found[-1]


def dispute_link(address: str) -> str:
    found = [link for m in messages_to(address) for link in LINK_RE.findall(m.body)]
    assert found, f"no 'this wasn't me' link was emailed to {address}"
    return found[-1]


def change_request(
    client: Client,
    access_token: str,
    *,
    changes: dict[str, str],
    files: list[tuple[str, bytes]] | None = None,
    office_code: str = "01001",
    payload: Any = None,
) -> Any:
    """``POST /me/dossiers`` as the app sends it: multipart, a JSON ``payload`` part and the
    ``documents`` parts."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    body = (
        payload
        if payload is not None
        else {
            "form": "change_request",
            "office_code": office_code,
            "changes": changes,
        }
    )
    data: dict[str, Any] = {"payload": json.dumps(body) if not isinstance(body, str) else body}
    uploads = [
        SimpleUploadedFile(name, content, content_type="application/octet-stream")
        for name, content in (files if files is not None else [("cccd.png", PNG)])
    ]
    if uploads:
        data["documents"] = uploads
    with run_on_commit():
        return client.post(
            "/api/v1/me/dossiers",
            data,
            HTTP_AUTHORIZATION=f"Bearer {access_token}",
            REMOTE_ADDR="203.0.113.7",
        )


def hire_an(api: Api, *, lang: str = "vi") -> Any:
    """The unit TA01234 hires An (0123456789) from 10/2026 through its API key: the D02 report
    answer (201)."""
    return api.post(
        "/unit/reports",
        {
            "reference": "D02-1",
            "period": "2026-10",
            "lines": [
                {
                    "bhxh_code": "0123456789",
                    "type": "hire",
                    "from_month": "2026-10",
                    "salary": 10_000_000,
                    "date_of_birth": "1990-05-17",
                }
            ],
        },
        headers={"X-API-Key": UNIT_KEY},
        lang=lang,
    )


def counter_dossiers(filer: Any, count: int, *, start: int = 0) -> list[Any]:
    """``count`` people of the registry, each with a 02/SĐ-GD dossier (a new mobile phone: two
    approvals) taken at the counter by ``filer``, oldest first."""
    import datetime as dt

    from ansinh.dossiers import services
    from ansinh.lib.actor import Actor, Channel
    from ansinh.people.models import Person, Sex

    filed = []
    for i in range(start, start + count):
        person = Person.objects.create(
            bhxh_code=f"01900{i:05d}",
            full_name=f"Người thứ {i + 1}",
            date_of_birth=dt.date(1980, 1, 1) + dt.timedelta(days=i),
            sex=Sex.FEMALE if i % 2 else Sex.MALE,
            province_code="01",
            phone="0912000000",
        )
        with run_on_commit():
            filed.append(
                services.submit_counter_dossier(
                    actor=Actor(channel=Channel.BACKOFFICE, user=filer),
                    person=person,
                    changes={"phone": f"09870{i:05d}"},
                    identity_checked=True,
                    note="",
                )
            )
    return filed
