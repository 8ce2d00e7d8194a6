"""The password policy and storage (docs/security.md, ASVS 6.2 and 11.4): the production
argon2id parameters, long passphrases of any characters, and verification of exactly what was
typed. (Weak, personal and over-long passwords: ``ansinh/api/tests/test_password.py``.)"""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import check_password, identify_hasher

from ansinh.accounts.services import validate_new_password
from ansinh.lib.hashers import Argon2idHasher

pytestmark = pytest.mark.django_db

PASSPHRASE = "Vung-Tau-Bien-Xanh-2026"


def test_production_hasher_is_argon2id_with_19_mib_two_passes_one_lane():
    encoded = Argon2idHasher().encode(PASSPHRASE, Argon2idHasher().salt())

    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert identify_hasher(encoded).algorithm == "argon2"
    assert Argon2idHasher().verify(PASSPHRASE, encoded)
    salt = encoded.split("$")[4]
    assert len(salt) >= 16  # ≥ 96 bits of salt, base64


@pytest.mark.parametrize(
    "passphrase",
    [
        # 91 characters, spaces and diacritics (repeats like "aaa" or "mây mây" are refused
        # as guessable: ``test_guessable_passwords.py``)
        "mây trắng bay ngang đỉnh Fansipan, sương sớm phủ ruộng bậc thang Mù Cang Chải, chè xanh mới",
        "🌧️ mưa rơi trên phố cổ Hội An, đèn lồng đỏ, gió heo may về " * 2,  # > 64, emoji
        # exactly 128, no rule on classes
        "đường về quê ngoại năm 1995 qua 27 cây cầu gỗ nhỏ, bà kể chuyện "
        "Thạch Sanh bên bếp lửa hồng, ngoài sân mưa rơi tí tách trên tàu ",
        "tất cả chữ thường không số",  # no upper case, no digit, no symbol
    ],
)
def test_long_passphrases_of_any_characters_are_accepted(citizen, passphrase):
    assert len(passphrase) <= 128
    validate_new_password(citizen, passphrase)  # raises if refused


def test_the_password_is_checked_exactly_as_typed(citizen):
    citizen.set_password(PASSPHRASE)

    assert citizen.check_password(PASSPHRASE)
    for near_miss in (
        PASSPHRASE.lower(),
        PASSPHRASE.upper(),
        PASSPHRASE[:-1],  # truncated
        PASSPHRASE + " ",
        " " + PASSPHRASE,
    ):
        assert not check_password(near_miss, citizen.password)
