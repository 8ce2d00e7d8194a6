"""Properties of the e-BHYT QR payload (``ansinh.cards.signing``, issue 7), beside the ones in
``test_cards.py``: every signed payload round-trips; any tampering (claims re-encoded under the
old signature, another key id, truncation, additions) is rejected; anything else, including
bodies that carry a valid signature but break the format, is a verdict with a documented
reason and never an exception. ``parse`` raises only ``ValueError``."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from ansinh.cards import signing

from .test_cards import claims

PROPERTY = settings(max_examples=50, deadline=None)
KEY = signing.Ed25519PrivateKey.generate()
PUBLIC = {"k1": KEY.public_key()}
LONG_AGO = dt.date(1900, 1, 1)
REASONS = {"malformed", "unknown_key", "bad_signature", "not_yet_valid", "expired"}


def verdict(payload: object) -> signing.Verdict:
    """The verdict on the first day of the card's validity (when its claims parse)."""
    try:
        today = dt.date.fromisoformat(signing.parse(payload).claims.valid_from)
    except ValueError:
        today = LONG_AGO
    result = signing.verify(payload, public_keys=PUBLIC, today=today)
    assert result.reason in REASONS | {None}
    assert result.valid == (result.reason is None)
    return result


def sign_text(body: str, kid: str = "k1") -> str:
    """A payload with a valid signature over any body text (what only the issuer can make)."""
    signed = f"{signing.PREFIX}.{kid}.{signing.b64encode(body.encode('utf-8'))}"
    return f"{signed}.{signing.b64encode(KEY.sign(signed.encode('ascii')))}"


@PROPERTY
@given(
    value=claims(), name=st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=100)
)
def test_every_signed_payload_verifies_and_parses_back_to_its_claims(
    value: signing.Claims, name: str
) -> None:
    value = replace(value, name=name)
    payload = signing.sign(value, kid="k1", private_key=KEY)

    assert payload.isascii() and len(payload) <= signing.MAX_PAYLOAD
    assert signing.parse(payload).claims == value
    assert verdict(payload).claims == value


@PROPERTY
@given(value=claims(), other=claims())
def test_claims_re_encoded_under_the_old_signature_are_a_bad_signature(
    value: signing.Claims, other: signing.Claims
) -> None:
    payload = signing.sign(value, kid="k1", private_key=KEY)
    prefix, kid, _body, signature = payload.split(".")
    forged = f"{prefix}.{kid}.{signing.encode_body(other)}.{signature}"

    result = verdict(forged)

    assert result.valid is (other == value)
    if other != value:
        assert result.reason == "bad_signature"


@PROPERTY
@given(value=claims(), kid=st.from_regex(r"\A[A-Za-z0-9_-]{1,32}\Z").filter(lambda k: k != "k1"))
def test_another_key_id_is_an_unknown_key(value: signing.Claims, kid: str) -> None:
    payload = signing.sign(value, kid="k1", private_key=KEY)

    assert verdict(payload.replace(".k1.", f".{kid}.", 1)).reason == "unknown_key"


@PROPERTY
@given(value=claims(), cut=st.integers(min_value=1), extra=st.text(min_size=1, max_size=5))
def test_a_truncated_or_extended_payload_is_rejected(
    value: signing.Claims, cut: int, extra: str
) -> None:
    payload = signing.sign(value, kid="k1", private_key=KEY)

    assert not verdict(payload[: cut % len(payload)]).valid
    assert not verdict(payload + extra).valid
    assert not verdict(extra + payload).valid


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=5,
)


@PROPERTY
@given(
    value=claims(),
    field=st.sampled_from(sorted(signing.FIELDS[2]) + ["extra"]),
    new=json_values,
    drop=st.booleans(),
)
def test_a_validly_signed_body_off_the_format_is_malformed_never_an_exception(
    value: signing.Claims, field: str, new: object, drop: bool
) -> None:
    body = value.as_json()
    if drop:
        body.pop(field, None)
    else:
        body[field] = new
    payload = sign_text(json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")))

    result = verdict(payload)

    if result.valid:
        # Only a body that is still exactly a canonical claims set passes.
        assert result.claims is not None
        assert signing.encode_body(result.claims) == payload.split(".")[2]
    else:
        assert result.reason == "malformed"


@PROPERTY
@given(value=claims(), spaces=st.sampled_from([", ", ": ", " "]), v=st.sampled_from([True, float]))
def test_a_non_canonical_body_is_malformed_even_with_a_valid_signature(
    value: signing.Claims, spaces: str, v: object
) -> None:
    """One payload has one spelling (like the canonical base64): the issuer never writes
    spaces, unsorted keys or ``"v": true``."""
    text = json.dumps(value.as_json(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    spaced = text.replace(",", spaces, 1) if spaces != " " else " " + text
    spelling = json.dumps(float(value.version) if v is float else v)
    as_true = text.replace(f'"v":{value.version}', '"v":' + spelling)

    assert verdict(sign_text(text)).valid
    assert verdict(sign_text(spaced)).reason == "malformed"
    assert verdict(sign_text(as_true)).reason == "malformed"


@PROPERTY
@given(
    payload=st.one_of(
        st.builds(
            lambda kid, body, sig: f"AS1.{kid}.{signing.b64encode(body)}.{signing.b64encode(sig)}",
            st.sampled_from(["k1", "k2"]),
            st.binary(max_size=200),
            st.binary(min_size=64, max_size=64) | st.binary(max_size=80),
        ),
        st.text(st.sampled_from("AS1.k-_=+/\x00\r\n١０ "), max_size=120),
        st.text(max_size=200),
        st.text(min_size=signing.MAX_PAYLOAD + 1, max_size=signing.MAX_PAYLOAD + 50),
        st.none() | st.integers() | st.binary(max_size=20) | st.lists(st.text(max_size=5)),
    )
)
def test_garbage_is_a_verdict_and_parse_raises_only_value_error(payload: object) -> None:
    result = verdict(payload)

    assert not result.valid
    try:
        signing.parse(payload)
    except ValueError:
        pass
