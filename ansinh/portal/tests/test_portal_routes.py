"""Every portal route is covered by the browser checks (issue 12): the axe-core and layout walk
of ``pages.py`` reaches a page of each route, or the route is listed in ``pages.NOT_PAGES``
with the reason, and the reason holds. Fast (no browser): a new page fails here first."""

from __future__ import annotations

import pytest
from django.urls import resolve, reverse

from ansinh.conftest import CITIZEN_PASSWORD

from .helpers import login
from .pages import NOT_PAGES, WALK, portal_routes


def _url(name: str) -> str:
    """The route's URL, with a made-up value for each parameter."""
    pattern = portal_routes()[name].pattern
    converters = getattr(pattern, "converters", {})
    kwargs = {
        key: 1 if type(c).__name__ == "IntConverter" else "x" for key, c in converters.items()
    }
    return reverse(f"portal:{name}", kwargs=kwargs)


def test_every_portal_route_is_a_page_of_the_walk_or_listed_as_not_a_page():
    routes = set(portal_routes())
    walked = {step.route for step in WALK if step.route}
    missing = sorted(routes - walked - set(NOT_PAGES))
    assert not missing, (
        f"portal routes that no browser check visits: {missing}. For each, add a Step to WALK "
        "in ansinh/portal/tests/pages.py (where in the walk, how a person gets there, the demo "
        "object a parameterised route shows, the status it answers with) so that axe-core and "
        "the 360/390 px layout check run on it; or, if it is not a page (POST only, a file, a "
        "redirect), add it to NOT_PAGES there with the reason."
    )
    stale = sorted((walked | set(NOT_PAGES)) - routes)
    assert not stale, f"pages.py names routes the portal no longer has: {stale}"
    both = sorted(walked & set(NOT_PAGES))
    assert not both, f"routes both walked and listed as not a page: {both}"


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(n for n, p in NOT_PAGES.items() if p.kind != "file"))
def test_a_route_listed_as_not_a_page_is_not_one(client, name):
    """``post_only``: GET answers 405 (a GET page there must join the walk); ``redirect``: GET
    goes on to the page it names."""
    entry = NOT_PAGES[name]
    response = client.get(_url(name))
    if entry.kind == "post_only":
        assert response.status_code == 405, (
            f"{name} now answers GET with {response.status_code}: if it is a page, add it to "
            "WALK in ansinh/portal/tests/pages.py and remove it from NOT_PAGES"
        )
    else:
        assert entry.kind == "redirect", entry
        assert response.status_code == 302, response.status_code
        target = resolve(response["Location"])
        assert f"{target.namespace}:{target.url_name}" == entry.to


@pytest.mark.django_db
def test_an_attachment_is_the_file_not_a_page(client, api, citizen, office):
    from ansinh.dossiers.tests.helpers import PNG, change_request, token

    filed = change_request(
        client, token(api, "0123456789", CITIZEN_PASSWORD), changes={"address": "1 Phố Huế"}
    )
    assert filed.status_code == 201, filed.content
    dossier = filed.json()["dossier_id"]
    [attachment] = api.get(
        f"/me/dossiers/{dossier}", token=token(api, "0123456789", CITIZEN_PASSWORD)
    ).json()["attachments"]
    login(client, "0123456789", CITIZEN_PASSWORD)
    response = client.get(
        reverse(
            "portal:dossier_attachment",
            kwargs={"dossier_id": dossier, "attachment_id": attachment["id"]},
        )
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == PNG
    assert NOT_PAGES["dossier_attachment"].kind == "file"
