"""Cards tests make their own keys: a key file per test in ``tmp_path``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from ansinh.cards import signing
from ansinh.cards.services import issue_card
from ansinh.lib.actor import Actor
from ansinh.people.models import HealthFacility


@pytest.fixture
def key_file(tmp_path: Path, settings: Any) -> Path:
    path = tmp_path / "card-keys.json"
    signing.write_new_key_file(path, "test2026")
    settings.CARD_KEYS_FILE = str(path)
    settings.CARD_KEYS_GENERATE = False
    settings.CARD_PUBLIC_KEYS_FILE = ""
    return path


@pytest.fixture
def public_key_file(tmp_path: Path, key_file: Path) -> Path:
    path = tmp_path / "public.json"
    ring = signing.load_key_file(key_file)
    path.write_text(json.dumps(signing.export_public_keys(ring.public)))
    return path


@pytest.fixture
def facility(db: None) -> HealthFacility:
    return HealthFacility.objects.create(
        code="01001", name="Bệnh viện Bạch Mai", province_code="01"
    )


@pytest.fixture
def card(citizen: Any, facility: HealthFacility, key_file: Path) -> Any:
    return issue_card(
        person=citizen.person,
        group="DN",
        benefit_level=4,
        facility=facility,
        valid_from=dt.date(2026, 1, 1),
        valid_to=dt.date(2026, 12, 31),
        five_years_from=dt.date(2020, 1, 1),
        actor=Actor.command(),
    )
