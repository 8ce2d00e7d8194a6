"""Fixtures of the dossier tests: uploads go to a temporary MEDIA_ROOT; the browser fixtures
come from the portal's test package."""

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from ansinh.people.models import Office, Person, Sex
from ansinh.portal.tests.browser import browser, page

__all__ = ["browser", "lan", "page"]


@pytest.fixture
def lan(office: Office) -> Person:
    """Phạm Thị Lan: in the registry, no account, no email (she registers: 01/ĐK-GD)."""
    return Person.objects.create(
        bhxh_code="0123450001",
        cccd="001195000111",
        full_name="Phạm Thị Lan",
        date_of_birth=dt.date(1995, 7, 1),
        sex=Sex.FEMALE,
        province_code="01",
    )


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path: Path) -> Iterator[Path]:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    yield tmp_path / "media"
