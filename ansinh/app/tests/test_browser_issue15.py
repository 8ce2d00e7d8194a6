"""Issue 15 in the app, on a 390×844 phone: a correction case filed with a camera photo (a
wrong unit code named beside its field first) shows in the list with its timeline and is
stored; a participation certificate is issued, its QR shown marked as an on-screen copy (and
scanned back from the screen), its PDF downloaded and the certificate revoked; and the three
calculators, from the signed-out start screen, give the amounts computed by hand."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from playwright.sync_api import FilePayload, Page, expect

from ansinh.conftest import CITIZEN_PASSWORD
from ansinh.contributions.models import ParticipationCertificate
from ansinh.dossiers.models import CorrectionCase
from ansinh.dossiers.tests.helpers import photo

from .browser import (
    decode_screen,
    load_reference_data,
    no_sideways_scroll,
    open_app,
    shot,
    sign_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def reference_data() -> None:
    load_reference_data()


def _signed_in(phone: Page) -> None:
    open_app(phone)
    sign_in(phone, "0123456789", CITIZEN_PASSWORD)
    expect(phone.locator("main h1")).to_have_text("Xin chào, Nguyễn Văn An")


def test_a_correction_case_with_a_camera_photo_is_listed_with_its_timeline(
    phone: Page, citizen, unit
):
    _signed_in(phone)
    phone.locator("#tile-cases").tap()
    expect(phone.locator("main h1")).to_have_text("Điều chỉnh quá trình đóng BHXH")
    expect(phone.locator("#no-cases")).to_be_visible()
    phone.locator("#new-case").tap()

    form = phone.locator("#case-form")
    # Nothing filled: each missing field is named beside it, nothing is sent.
    form.locator("button[type=submit]").tap()
    expect(form.locator(".has-error")).to_have_count(4)
    expect(form.locator("#f-problem-error")).to_have_text("Chọn nội dung sai.")
    assert not CorrectionCase.objects.exists()

    form.get_by_label("Mã đơn vị").fill("XX99999")
    form.locator("#f-from_month").fill("2026-03")
    form.locator("#f-to_month").fill("2026-05")
    form.get_by_label("Đã trừ lương nhưng đơn vị chưa đóng").check()
    form.get_by_label("Mức lương trên phiếu lương (đồng)").fill("9.000.000")
    form.get_by_label("Chi tiết").fill("Công ty trừ lương nhưng không đóng BHXH ba tháng.")
    form.get_by_label("Cho phép đơn vị thấy tên tôi").check()
    camera = form.locator('input[type=file][capture="environment"]')
    expect(camera).to_have_attribute("accept", re.compile("image/"))
    camera.set_input_files(
        FilePayload(name="phieu-luong.jpg", mimeType="image/jpeg", buffer=photo("JPEG"))
    )
    expect(form.locator("#chosen-files")).to_contain_text("phieu-luong.jpg")
    # The server's refusal, by code, in words beside the unit's field.
    form.locator("button[type=submit]").tap()
    unit_field = form.locator(".field.has-error")
    expect(unit_field).to_have_count(1)
    expect(unit_field).to_contain_text("Không có đơn vị nào có mã này.")
    assert not CorrectionCase.objects.exists()
    assert no_sideways_scroll(phone) <= 390
    shot(phone, "case-new-error")

    form.get_by_label("Mã đơn vị").fill("TA01234")
    form.locator("button[type=submit]").tap()
    expect(phone.locator("#case")).to_have_attribute("data-status", "awaiting_unit")
    case = CorrectionCase.objects.get()
    expect(phone.locator("main h1")).to_have_text(f"Đề nghị điều chỉnh {case.public_id}")
    expect(phone.locator('#case-events li[data-kind="filed"]')).to_be_visible()
    expect(phone.locator('[data-field="unit_due"]')).to_have_text(
        case.unit_due.strftime("%d/%m/%Y")
    )
    assert (case.unit.code, case.from_month, case.to_month) == (
        "TA01234", dt.date(2026, 3, 1), dt.date(2026, 5, 1)
    )  # fmt: skip
    assert (case.problem, case.salary, case.name_visible) == ("deducted_not_paid", 9_000_000, True)
    assert case.description == "Công ty trừ lương nhưng không đóng BHXH ba tháng."
    assert [e.content_type for e in case.evidence.all()] == ["image/jpeg"]
    assert no_sideways_scroll(phone) <= 390
    shot(phone, "case-detail")

    phone.get_by_role("link", name="Quay lại các đề nghị điều chỉnh").tap()
    item = phone.locator(f'#cases li[data-case="{case.public_id}"]')
    expect(item).to_have_attribute("data-status", "awaiting_unit")
    expect(item).to_contain_text("03/2026 – 05/2026")
    expect(item.locator('.timeline li[data-kind="filed"]')).to_be_visible()
    assert no_sideways_scroll(phone) <= 390
    shot(phone, "case-list")


def test_a_certificate_is_issued_its_qr_shown_as_a_screen_copy_then_revoked(
    phone: Page, citizen, tmp_path: Path
):
    _signed_in(phone)
    phone.locator("#tile-certificates").tap()
    expect(phone.locator("main h1")).to_have_text("Giấy chứng nhận quá trình tham gia")
    expect(phone.locator('[data-field="no_certificates"]')).to_be_visible()
    phone.locator("#certificate-issue button[type=submit]").tap()

    expect(phone.locator("#certificate")).to_have_attribute("data-revoked", "false")
    issued = ParticipationCertificate.objects.get(person=citizen.person)
    copy = phone.locator('[data-field="screen_copy"]')
    expect(copy).to_contain_text("Bản xem trên màn hình — không phải bản chứng nhận")
    expect(copy).to_contain_text("Ảnh chụp màn hình trang này không chứng minh điều gì.")
    qr = phone.locator("#certificate-qr")
    expect(qr.locator("h2")).to_have_text("Bản xem trên màn hình — không phải bản chứng nhận")
    expect(phone.locator('[data-field="serial"]')).to_have_text(issued.public_id.hex)
    assert no_sideways_scroll(phone) <= 390
    shot(phone, "certificate-detail")
    # The QR on the screen is the signed payload itself.
    qr.locator("img").evaluate("(img) => img.scrollIntoView({block: 'center'})")
    assert decode_screen(phone, "certificate-qr") == [issued.payload]

    with phone.expect_download() as download:
        phone.locator('[data-action="download"]').tap()
    saved = tmp_path / "certificate.pdf"
    download.value.save_as(saved)
    assert download.value.suggested_filename == f"C14-TS-{issued.public_id.hex}.pdf"
    assert saved.read_bytes().startswith(b"%PDF")

    phone.locator("#revoke").tap()
    confirm = phone.locator("#certificate-revoke [data-confirm=yes]")
    expect(confirm).to_be_visible()
    shot(phone, "certificate-revoke-confirm")
    confirm.tap()
    expect(phone.locator("#certificate")).to_have_attribute("data-revoked", "true")
    expect(phone.locator('[data-field="revoked"]')).to_be_visible()
    expect(phone.locator("#revoke")).to_have_count(0)
    issued.refresh_from_db()
    assert issued.revoked_at is not None

    phone.get_by_role("link", name="Giấy chứng nhận quá trình tham gia").last.tap()
    item = phone.locator(f'#certificates li[data-certificate="{issued.public_id.hex}"]')
    expect(item).to_contain_text("đã thu hồi")
    shot(phone, "certificate-list")


def _calculate(phone: Page, slug: str) -> None:
    phone.locator("button[type=submit]").tap()
    expect(phone.locator("#calc-result")).to_have_attribute("data-result", slug)


def _amount(phone: Page, name: str):
    return expect(phone.locator(f'#calc-result dd[data-field="{name}"]'))


def test_the_calculators_from_the_signed_out_start_give_the_amounts_computed_by_hand(
    phone: Page, reference_data
):
    open_app(phone)
    expect(phone.locator("main h1")).to_have_text("Đăng nhập")
    phone.locator("#calculators").tap()
    expect(phone.locator("main h1")).to_have_text("Tính mức đóng bảo hiểm")
    shot(phone, "calculators")

    # Household BHYT, 2 members, reference level 2,340,000: 4.5 % = 105,300 a month for the
    # first, 70 % of that = 73,710 for the second; 179,010 a month, 2,148,120 for 12 months.
    phone.locator("#calc-ho-gia-dinh").tap()
    phone.get_by_label("Số thành viên hộ gia đình").fill("2")
    _calculate(phone, "ho-gia-dinh")
    _amount(phone, "member_1").to_have_text("105.300 đ / tháng")
    _amount(phone, "member_2").to_have_text("73.710 đ / tháng")
    _amount(phone, "monthly_total").to_have_text("179.010 đ")
    _amount(phone, "total_3").to_have_text("537.030 đ")
    _amount(phone, "total_12").to_have_text("2.148.120 đ")
    rows = phone.locator('[data-field="reference_rows"]')
    expect(rows.locator('li[data-row="reference_level"]')).to_contain_text("2.340.000 đ")
    expect(rows.locator('li[data-row="reference_level"]')).to_contain_text("73/2024/NĐ-CP")
    expect(rows.locator('li[data-row="household_rate_bp"]')).to_contain_text("4,5 %")
    assert no_sideways_scroll(phone) <= 390
    shot(phone, "calculator-household")

    # Voluntary BHXH, "other", 5,000,000: 22 % = 1,100,000; the state pays 20 % of 22 % of the
    # rural poverty line 1,500,000 = 66,000; the person pays 1,034,000.
    phone.locator("#back-to-calculators").tap()
    phone.locator("#calc-tu-nguyen").tap()
    phone.get_by_label("Mức thu nhập tháng chọn đóng (đồng)").fill("5.000.000")
    phone.get_by_label("Nhóm đối tượng").select_option("other")
    _calculate(phone, "tu-nguyen")
    _amount(phone, "contribution").to_have_text("1.100.000 đ")
    _amount(phone, "state_support").to_have_text("66.000 đ")
    _amount(phone, "you_pay").to_have_text("1.034.000 đ")
    expect(rows.locator('li[data-row="rural_poverty_line"]')).to_contain_text("1.500.000 đ")
    shot(phone, "calculator-voluntary")
    # Below the poverty line: the server's words beside the income.
    phone.get_by_label("Mức thu nhập tháng chọn đóng (đồng)").fill("1000000")
    phone.locator("button[type=submit]").tap()
    expect(phone.locator(".field.has-error")).to_contain_text("1.500.000")
    expect(phone.locator("#calc-result")).to_be_hidden()

    # Deductions from 60,000,000 in region I: BHXH 8 % and BHYT 1.5 % of the cap 20 × 2,340,000
    # = 46,800,000 (3,744,000 and 702,000), BHTN 1 % of the whole salary (its cap is 20 × the
    # region's minimum wage, 106,200,000): 600,000. Total 5,046,000, left 54,954,000.
    phone.locator("#back-to-calculators").tap()
    phone.locator("#calc-tien-luong").tap()
    phone.get_by_label("Tiền lương tháng đóng bảo hiểm (đồng)").fill("60 000 000")
    phone.get_by_label("Vùng lương tối thiểu").select_option("I")
    _calculate(phone, "tien-luong")
    _amount(phone, "BHXH").to_have_text("3.744.000 đ")
    _amount(phone, "BHYT").to_have_text("702.000 đ")
    _amount(phone, "BHTN").to_have_text("600.000 đ")
    _amount(phone, "total").to_have_text("5.046.000 đ")
    _amount(phone, "take_home").to_have_text("54.954.000 đ")
    expect(rows.locator('li[data-row="regional_minimum_wage_I"]')).to_contain_text("5.310.000 đ")
    assert no_sideways_scroll(phone) <= 390
    shot(phone, "calculator-salary")

    # In English the words change, the amounts are still written the Vietnamese way.
    phone.locator("#lang-switch").tap()
    expect(phone.locator("main h1")).to_have_text("Deductions from an employee's salary")
    phone.get_by_label("Monthly salary for contributions (đồng)").fill("10000000")
    _calculate(phone, "tien-luong")
    _amount(phone, "BHXH").to_have_text("800.000 đ")
    _amount(phone, "take_home").to_have_text("8.950.000 đ")
    expect(phone.locator("#calc-result dt").first).to_have_text("BHXH (8 %)")
