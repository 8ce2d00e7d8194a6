"""The home page starts the tasks people come for (issue 12 §2), and each task's page works
for someone who is not signed in: the header and footer are the same on every public page."""

from __future__ import annotations

import re

import pytest

from ansinh.conftest import CITIZEN_PASSWORD
from ansinh.people.models import Office
from ansinh.portal.tests.helpers import login, text

pytestmark = pytest.mark.django_db

TASKS = {
    "login": "/dang-nhap/",
    "register": "/dang-ky/",
    "recovery": "/quen-mat-khau/",
    "no-email": "/khong-co-email/",
    "card-check": "/tra-cuu-the-bhyt/",
    "calculators": "/may-tinh-bhxh/",
    "certificate-check": "/kiem-tra-giay-chung-nhan/",
    "offices": "/co-quan-bhxh/",
    "app": "/ung-dung/",
}


def _tasks(content: bytes) -> dict[str, str]:
    found = re.findall(r'<a class="task[^"]*" href="([^"]+)" data-task="([^"]+)"', content.decode())
    return {task: href for href, task in found}


def test_the_home_page_starts_all_nine_tasks_and_each_page_opens(client):
    home = client.get("/")

    assert home.status_code == 200
    assert _tasks(home.content) == TASKS
    for href in TASKS.values():
        assert client.get(href).status_code == 200, href


def test_the_tasks_are_in_vietnamese_first(client):
    page = text(client.get("/").content)

    for words in ("Đăng nhập", "Đăng ký tài khoản", "Quên mật khẩu", "Tôi không có email",
                  "Tra cứu thẻ BHYT", "Tìm cơ quan BHXH", "Tải ứng dụng"):  # fmt: skip
        assert words in page, words


def test_a_signed_in_citizen_still_goes_to_their_account(client, citizen):
    login(client, "0123456789", CITIZEN_PASSWORD)

    assert client.get("/")["Location"] == "/ca-nhan/"


@pytest.mark.parametrize("page", ["/", "/dang-nhap/", "/khong-co-email/", "/tra-cuu-the-bhyt/",
                                  "/co-quan-bhxh/", "/ung-dung/", "/quen-mat-khau/"])  # fmt: skip
def test_every_public_page_has_the_same_header_and_footer(client, page):
    content = client.get(page).content.decode()
    header = content.split('class="header-nav"', 1)[1].split("</nav>", 1)[0]
    footer = content.split('class="site-footer"', 1)[1]

    assert 'href="/dang-nhap/"' in header and 'href="/dang-ky/"' in header
    assert 'href="tel:19009068"' in footer and 'href="/co-quan-bhxh/"' in footer


def test_the_back_office_login_has_no_citizen_links(client):
    content = client.get("/backoffice/login/").content.decode()
    header = content.split('class="header-nav"', 1)[1].split("</nav>", 1)[0]

    assert "/dang-ky/" not in header


def test_i_have_no_email_needs_no_recovery_and_ends_with_what_to_do_next(client):
    response = client.get("/khong-co-email/")

    assert response.status_code == 200
    page = text(response.content)
    assert "TK1-TS" in page and "02/SĐ-GD" in page
    next_steps = response.content.decode().split('id="next-steps"', 1)[1]
    assert 'href="/quen-mat-khau/"' in next_steps and 'href="/co-quan-bhxh/"' in next_steps
    assert client.get("/quen-mat-khau/mau-02-sd-gd/").status_code == 200  # printable, no recovery


# --- "Tải ứng dụng" -----------------------------------------------------------------------------


def test_the_app_page_explains_the_install_and_links_the_app(client):
    content = client.get("/ung-dung/").content.decode()

    assert 'href="/app/"' in content and 'id="open-app"' in content
    assert "Thêm vào màn hình chính" in text(content)


# --- "Tìm cơ quan BHXH" -------------------------------------------------------------------------


@pytest.fixture
def offices(db):
    Office.objects.create(code="01001", name="BHXH quận Ba Đình", province_code="01",
                          province_name="Hà Nội", address="18 Phố Đội Cấn, Ba Đình, Hà Nội",
                          phone="024 3823 6543", weekday_hours="07:30–17:00",
                          counter_hours="07:30–11:30, 13:30–16:30",
                          counter_saturday_hours="07:30–11:30")  # fmt: skip
    Office.objects.create(code="48001", name="BHXH quận Hải Châu", province_code="48",
                          province_name="Đà Nẵng", address="112 Đường Lê Duẩn, Hải Châu, Đà Nẵng",
                          phone="0236 382 4680", weekday_hours="07:30–17:00",
                          counter_hours="07:30–11:30, 13:30–16:30")  # fmt: skip


def _listed(response) -> list[str]:
    return re.findall(r'data-office="(\d+)"', response.content.decode())


def test_the_office_page_lists_every_office_with_phone_and_hours(client, offices):
    response = client.get("/co-quan-bhxh/")

    assert _listed(response) == ["01001", "48001"]
    content = response.content.decode()
    assert 'href="tel:02438236543">024 3823 6543</a>' in content
    page = text(content)
    assert "18 Phố Đội Cấn, Ba Đình, Hà Nội" in page
    assert re.search(r"Giờ tiếp nhận hồ sơ Thứ Hai đến Thứ Sáu: 07:30–11:30 , 13:30–16:30", page)
    assert "Thứ Bảy: 07:30–11:30" in page and "Nghỉ Chủ nhật và ngày lễ." in page
    assert '<option value="48">Đà Nẵng</option>' in content


def test_the_office_page_filters_by_province_and_words(client, offices):
    assert _listed(client.get("/co-quan-bhxh/", {"tinh": "48"})) == ["48001"]
    assert _listed(client.get("/co-quan-bhxh/", {"q": "ba dinh"})) == ["01001"]
    none = client.get("/co-quan-bhxh/", {"tinh": "48", "q": "ba dinh"})
    assert _listed(none) == [] and "Không tìm thấy" not in text(none.content)
    assert "0 cơ quan" in text(none.content)


def test_a_made_up_province_is_a_clear_error(client, offices):
    response = client.get("/co-quan-bhxh/", {"tinh": "zz"})

    assert response.status_code == 400
    assert _listed(response) == []
    assert 'role="alert"' in response.content.decode()
