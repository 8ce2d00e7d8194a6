"""Finding a BHXH office (issue 12 §2): ``people.offices`` filters by province and by words typed
the way people type them on a phone; the demo offices carry what the public page shows."""

from __future__ import annotations

import pytest

from ansinh.lib.errors import Invalid
from ansinh.ops.demo import load_demo_data
from ansinh.people.models import Office
from ansinh.people.offices import MAX_QUERY_LENGTH, find_offices, fold, provinces

pytestmark = pytest.mark.django_db


@pytest.fixture
def offices() -> list[Office]:
    rows = [
        ("01001", "BHXH quận Ba Đình", "01", "Hà Nội", "18 Phố Đội Cấn, quận Ba Đình, Hà Nội"),
        ("01002", "BHXH quận Hoàn Kiếm", "01", "Hà Nội", "5 Phố Hàng Chuối, Hoàn Kiếm, Hà Nội"),
        ("48001", "BHXH quận Hải Châu", "48", "Đà Nẵng", "112 Đường Lê Duẩn, Hải Châu, Đà Nẵng"),
        ("79001", "BHXH Quận 1", "79", "TP. Hồ Chí Minh", "54 Đường Nguyễn Đình Chiểu, Quận 1"),
    ]
    return [
        Office.objects.create(
            code=code, name=name, province_code=province, province_name=pname, address=address
        )
        for code, name, province, pname, address in rows
    ]


def _codes(found: list[Office]) -> list[str]:
    return [office.code for office in found]


def test_fold_drops_case_diacritics_and_extra_spaces():
    assert fold("  BHXH quận  Ba Đình ") == "bhxh quan ba dinh"
    assert fold("Hải Châu, ĐÀ NẴNG") == "hai chau, da nang"


def test_no_filter_lists_every_office_by_code(offices):
    assert _codes(find_offices()) == ["01001", "01002", "48001", "79001"]


def test_a_province_lists_only_its_offices(offices):
    assert _codes(find_offices(province="01")) == ["01001", "01002"]
    assert _codes(find_offices(province="48")) == ["48001"]


def test_an_unknown_province_finds_nothing(offices):
    assert find_offices(province="99") == []


def test_words_match_without_diacritics_or_case(offices):
    assert _codes(find_offices(query="ba dinh")) == ["01001"]
    assert _codes(find_offices(query="HAI CHAU")) == ["48001"]
    assert _codes(find_offices(query="Đội Cấn")) == ["01001"]  # the street
    assert _codes(find_offices(query="da nang")) == ["48001"]  # the province
    assert _codes(find_offices(query="hà nội")) == ["01001", "01002"]


def test_every_word_must_match_and_the_province_still_applies(offices):
    assert _codes(find_offices(query="quan ba dinh")) == ["01001"]
    assert find_offices(query="ba dinh hai chau") == []
    assert find_offices(province="48", query="ba dinh") == []
    assert _codes(find_offices(province="01", query="hoan kiem")) == ["01002"]


@pytest.mark.parametrize(
    ("province", "query", "fields"),
    [("1", "", {"province"}), ("hn", "", {"province"}), ("", "x" * (MAX_QUERY_LENGTH + 1), {"q"})],
)
def test_a_malformed_filter_is_invalid(offices, province, query, fields):
    with pytest.raises(Invalid) as refused:
        find_offices(province=province, query=query)

    assert set(refused.value.fields) == fields


def test_provinces_are_those_with_an_office_in_code_order(offices):
    assert [(p.code, p.name) for p in provinces()] == [
        ("01", "Hà Nội"),
        ("48", "Đà Nẵng"),
        ("79", "TP. Hồ Chí Minh"),
    ]


def test_the_demo_offices_have_an_address_a_phone_and_hours():
    load_demo_data(synthetic=0)

    for office in Office.objects.all():
        office.full_clean()  # the phone and the hours are in the documented forms
        assert office.address and office.phone and office.province_name, office.code
        assert office.weekday_hours and office.counter_hours, office.code
        assert office.phone_uri.startswith("tel:0") and " " not in office.phone_uri
    assert _codes(find_offices(province="48")) == ["48001"]
