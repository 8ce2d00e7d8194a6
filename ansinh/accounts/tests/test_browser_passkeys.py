"""The passkey API against a real browser's WebAuthn (issue 13): Debian Chromium with its
virtual authenticator (CDP ``WebAuthn.addVirtualAuthenticator``: a platform authenticator
with resident keys and user verification, as a phone's), at phone size, on the live server's
``http://localhost:PORT`` origin — the embedded profile's relying party. The page's script
does what the app will: fetch the options, hand them to ``navigator.credentials`` through
WebAuthn's JSON helpers, and post the credential's ``toJSON()`` back."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, ViewportSize

from ansinh.accounts.models import Passkey
from ansinh.conftest import CITIZEN_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE: ViewportSize = {"width": 390, "height": 844}

# Runs in the page: the calls the app makes, with the browser's own WebAuthn.
CEREMONIES = """
async ({username, password}) => {
  const call = async (method, path, body, token) => {
    const headers = {'Content-Type': 'application/json'};
    if (token) headers.Authorization = 'Bearer ' + token;
    const response = await fetch('/api/v1' + path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body)});
    const text = await response.text();
    return {status: response.status, body: text ? JSON.parse(text) : null};
  };
  const login = await call('POST', '/auth/login', {username, password});
  const token = login.body.access_token;
  const creation = await call('POST', '/me/passkeys/options', {current_password: password}, token);
  const created = await navigator.credentials.create({
    publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(creation.body)});
  const added = await call('POST', '/me/passkeys',
    {name: 'Điện thoại của tôi', credential: created.toJSON()}, token);
  const request = await call('POST', '/auth/passkey/options');
  const asserted = await navigator.credentials.get({
    publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(request.body)});
  const signedIn = await call('POST', '/auth/passkey',
    {credential: asserted.toJSON(), device_name: 'Chromium'});
  const me = await call('GET', '/me', undefined, signedIn.body && signedIn.body.access_token);
  const replayed = await call('POST', '/auth/passkey', {credential: asserted.toJSON()});
  return {creation, added, request, signedIn, me, replayed};
}
"""


def virtual_authenticator(page: Page) -> Any:
    """Chromium's virtual authenticator on this page (a phone's platform authenticator:
    resident keys, user verification); the CDP session and the authenticator's id."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    created = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp, created["authenticatorId"]


def test_chromium_adds_a_passkey_and_signs_in_with_it_through_the_api(page: Page, citizen):
    page.set_viewport_size(PHONE)
    page.goto("/")
    assert page.evaluate("location.origin").startswith("http://localhost:")
    cdp, authenticator = virtual_authenticator(page)

    result = page.evaluate(CEREMONIES, {"username": "0123456789", "password": CITIZEN_PASSWORD})

    assert result["creation"]["status"] == 200, result["creation"]
    assert result["added"]["status"] == 201, result["added"]
    assert result["signedIn"]["status"] == 200, result["signedIn"]
    assert result["me"]["body"]["username"] == "0123456789"
    assert result["replayed"]["status"] == 410
    passkey = Passkey.objects.get(user=citizen)
    stored = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    (credential,) = stored["credentials"]
    assert credential["isResidentCredential"] is True
    assert credential["rpId"] == "localhost"
    assert passkey.name == "Điện thoại của tôi" and "internal" in passkey.transports
    assert passkey.last_used_at is not None


def test_the_api_documentation_lists_the_passkey_operations(page: Page, db):
    """What a client developer reads: each passkey operation with its summary."""
    page.set_viewport_size(PHONE)
    page.goto("/api/v1/docs")
    page.get_by_text("/api/v1/auth/passkey/options").first.wait_for()
    if os.environ.get("ANSINH_SCREENSHOTS"):  # to look at what a developer sees
        folder = Path(os.environ["ANSINH_SCREENSHOTS"])
        folder.mkdir(parents=True, exist_ok=True)
        page.get_by_text("/api/v1/me/passkeys/options").first.scroll_into_view_if_needed()
        page.screenshot(path=str(folder / "api-docs-passkeys.png"))
    for path in ("/api/v1/me/passkeys", "/api/v1/auth/passkey"):
        assert page.get_by_text(path, exact=True).count() >= 1
