"""A domain refusal carries a kind, never an HTTP status (issue 11 §2): the pages answer each
kind in one place (``ansinh.lib.middleware``). A dossier outside the caller's scope is
answered exactly like a URL that does not exist, on the back office and on the portal."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory

from ansinh.conftest import CITIZEN_PASSWORD, STAFF_PASSWORD, make_staff
from ansinh.lib.errors import Conflict, Forbidden, Gone, Invalid, NotFound, Throttled
from ansinh.lib.middleware import DomainErrorMiddleware
from ansinh.portal.tests.helpers import BACKOFFICE_LOGIN, login

from .helpers import unit_file

pytestmark = pytest.mark.django_db


def _signed_in(username: str, password: str, path: str | None = None) -> Client:
    client = Client()
    if path is None:
        login(client, username, password)
    else:
        login(client, username, password, path=path)
    return client


def _page(response: Any) -> str:
    """The page as a person reads it: the per-request CSRF token and the language switch's
    "come back here" path differ between any two requests, so they are set aside."""
    text = response.content.decode()
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', 'name="csrfmiddlewaretoken"', text)
    return re.sub(r'name="next" value="[^"]*"', 'name="next"', text)


def test_another_offices_dossier_page_is_the_page_of_an_unknown_url(
    api, unit_key, employees, other_office
):
    filed = unit_file(api, "0123456789", {"address": "5 Hàng Bài"}).json()["dossier_id"]
    make_staff(username="canbo9", role="clerk", office=other_office)
    staff = _signed_in("canbo9", STAFF_PASSWORD, BACKOFFICE_LOGIN)

    unknown_url = staff.get("/backoffice/no-such-page/")
    theirs = staff.get(f"/backoffice/dossiers/{filed}/")
    malformed = staff.get("/backoffice/dossiers/not-a-dossier/")

    assert unknown_url.status_code == theirs.status_code == malformed.status_code == 404
    assert _page(theirs) == _page(unknown_url) == _page(malformed)


def test_someone_elses_dossier_on_the_portal_is_the_page_of_an_unknown_url(
    api, unit_key, employees
):
    about_binh = unit_file(api, "0123456790", {"address": "7 Hàng Bài"}).json()["dossier_id"]
    an = _signed_in("0123456789", CITIZEN_PASSWORD)

    unknown_url = an.get("/ca-nhan/khong-co-trang-nay/")
    theirs = an.get(f"/ca-nhan/ho-so/{about_binh}/")

    assert unknown_url.status_code == theirs.status_code == 404
    assert _page(theirs) == _page(unknown_url)


def _page_for(exc: Exception) -> HttpResponse | None:
    def view(request: HttpRequest) -> HttpResponse:
        raise AssertionError("not called")

    middleware = DomainErrorMiddleware(view)
    return middleware.process_exception(RequestFactory().get("/ca-nhan/ho-so/"), exc)


@pytest.mark.parametrize(
    ("refusal", "status"),
    [
        (NotFound(), 404),
        (Forbidden("staff_only", "Only staff."), 403),
        (Conflict("dossier_closed", "Closed."), 409),
        (Gone("expired", "Expired."), 410),
        (Invalid(fields={"email": "Invalid."}), 400),
        (Throttled(retry_after=30), 429),
    ],
    ids=lambda value: getattr(value, "code", str(value)),
)
def test_a_refusal_a_page_leaves_unhandled_gets_the_status_of_its_kind(refusal, status):
    response = _page_for(refusal)

    assert response is not None
    assert response.status_code == status
    assert ("Retry-After" in response) is isinstance(refusal, Throttled)


def test_the_pages_leave_other_exceptions_to_django():
    assert _page_for(ValueError("a bug")) is None
