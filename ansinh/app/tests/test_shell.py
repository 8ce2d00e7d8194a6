"""What the server hands the app (ansinh/app/views.py): the shell under the site's strict CSP,
the manifest, the service worker scoped to /app/ with its configuration, and the app's
strings from the gettext catalogues. Plus the rules the scripts keep: no markup strings, no
eval, nothing stored in the page's Web Storage but the language."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from ansinh.app import assets, views
from ansinh.app.catalog import PLURALS, STRINGS, catalogue_for

SCRIPTS = sorted(assets.APP_STATIC.rglob("*.js"))
WORKER = assets.WORKER_SOURCE


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.script_text = ""
        self.data_blocks: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script" and dict(attrs).get("type") == "application/json":
            self.data_blocks.append("")

    def handle_data(self, data: str) -> None:
        if self.tags and self.tags[-1][0] == "script":
            if self.tags[-1][1].get("type") == "application/json":
                self.data_blocks[-1] += data  # data, never run
            else:
                self.script_text += data.strip()


def _csp(response) -> dict[str, list[str]]:
    return {
        part.split()[0]: part.split()[1:]
        for part in response["Content-Security-Policy"].split(";")
        if part.strip()
    }


def test_the_shell_runs_under_the_strict_csp_with_no_inline_script_or_style(client):
    response = client.get("/app/")

    assert response.status_code == 200
    policy = _csp(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    parser = _Tags()
    parser.feed(response.content.decode())
    assert parser.script_text == ""
    scripts = [attrs for tag, attrs in parser.tags if tag == "script"]
    assert scripts == [
        {"type": "module", "src": f"{settings.STATIC_URL}app/app.js"},
        {"id": "app-strings-vi", "type": "application/json"},
    ]
    # The first screen's words come with the page (a JSON data block, which no CSP runs):
    # exactly what /app/i18n/vi.json serves.
    assert [json.loads(block) for block in parser.data_blocks] == [
        client.get("/app/i18n/vi.json").json()
    ]
    assert not [tag for tag, _attrs in parser.tags if tag == "style"]
    assert not [
        (tag, name)
        for tag, attrs in parser.tags
        for name in attrs
        if name == "style" or name.startswith("on")
    ]
    manifest = [
        attrs["href"]
        for tag, attrs in parser.tags
        if tag == "link" and attrs.get("rel") == "manifest"
    ]
    assert manifest == ["/app/manifest.webmanifest"]
    assert not response.cookies  # the same page for everyone: the worker caches it


def test_the_manifest_installs_an_sinh_at_app(client):
    response = client.get("/app/manifest.webmanifest")

    assert response["Content-Type"].startswith("application/manifest+json")
    manifest = json.loads(response.content)
    assert manifest["name"] == "An Sinh"
    assert (manifest["start_url"], manifest["scope"], manifest["id"]) == ("/app/", "/app/", "/app/")
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"] == views.THEME_COLOUR
    purposes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any")} <= purposes
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200


def test_the_worker_is_served_at_app_with_its_configuration_and_no_wider_scope(client, settings):
    settings.APP_IDLE_SECONDS = 600

    response = client.get("/app/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert "Service-Worker-Allowed" not in response
    assert "no-cache" in response["Cache-Control"]
    body = response.content.decode()
    assert views.CONFIG_MARK not in body
    config = json.loads(re.search(r"^const CONFIG = (\{.*\});$", body, re.M).group(1))
    assert config["idle_seconds"] == 600
    assert config["version"] == assets.version()
    for path in assets.static_files():
        assert (
            f"{settings.STATIC_URL}{path.relative_to(assets.STATIC_ROOT).as_posix()}"
            in config["shell"]
        )
    for url in config["shell"]:
        answer = client.get(url)
        assert answer.status_code == 200, url
        if hasattr(answer, "streaming_content"):
            b"".join(answer.streaming_content)  # close the file whitenoise opened


def test_a_changed_shell_file_is_a_new_worker_version(tmp_path, monkeypatch):
    copy = tmp_path / "static"
    shutil.copytree(assets.STATIC_ROOT, copy)
    monkeypatch.setattr(assets, "STATIC_ROOT", copy)
    monkeypatch.setattr(assets, "APP_STATIC", copy / "app")
    before = assets.version()
    (copy / "app" / "app.css").write_text("/* changed */", encoding="utf-8")

    assert assets.version() != before


@pytest.mark.parametrize("script", SCRIPTS + [WORKER], ids=lambda p: p.name)
def test_scripts_never_parse_markup_or_evaluate_strings(script: Path):
    text = script.read_text()

    for forbidden in (
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "new Function",
    ):
        assert forbidden not in text, f"{script.name} uses {forbidden}"
    # The tokens never touch the page's storage: the only key is the language preference.
    assert set(re.findall(r"localStorage\.\w+\(([^,)]+)", text)) <= {"KEY"}


def _used_strings() -> tuple[set[str], set[str]]:
    singles: set[str] = set()
    plurals: set[str] = set()
    for script in SCRIPTS:
        text = script.read_text()
        singles |= set(re.findall(r'\bt\(\s*"((?:[^"\\]|\\.)*)"', text))
        plurals |= set(re.findall(r'\btn\(\s*"((?:[^"\\]|\\.)*)"', text))
    return singles, plurals


def test_every_string_the_scripts_show_is_in_the_catalogue_and_translated():
    singles, plurals = _used_strings()
    assert singles and plurals

    assert sorted(singles - set(STRINGS)) == []
    assert sorted(plurals - set(PLURALS)) == []
    vi = {
        e.msgid: e
        for e in polib.pofile(str(Path(settings.LOCALE_PATHS[0]) / "vi/LC_MESSAGES/django.po"))
    }
    missing = [text for text in [*STRINGS, *PLURALS] if text not in vi or not vi[text].translated()]
    assert missing == []


def test_the_catalogue_answers_per_language(client):
    vi = client.get("/app/i18n/vi.json").json()
    en = client.get("/app/i18n/en.json").json()

    assert vi["strings"]["Forgot password"] == "Quên mật khẩu"
    assert vi["strings"]["OTP code"] == "Mã OTP"
    assert vi["strings"]["Personal email"] == "Email cá nhân"
    assert vi["strings"]["Send"] == "Gửi"
    assert vi["strings"]["BHXH code"] == "Mã số BHXH"
    assert en["strings"]["Forgot password"] == "Forgot password"
    assert vi["plurals"]["%(count)d year"] == ["%(count)d năm", "%(count)d năm"]
    assert en["plurals"]["%(count)d year"] == ["%(count)d year", "%(count)d years"]
    assert vi["groups"]["DN"] and vi["levels"]["4"] and vi["schemes"]["BHTNLD_BNN"]
    assert vi["problems"]["deducted_not_paid"] == "Đã trừ lương nhưng đơn vị chưa đóng"
    assert en["problems"]["wrong_unit"] == "Wrong unit"
    assert client.get("/app/i18n/fr.json").status_code == 404


def test_the_paper_paths_say_what_the_portal_says():
    """The guidance for a person without email is the portal's, word for word."""
    recovery_script = (assets.APP_STATIC / "screens" / "recovery.js").read_text()
    paper = recovery_script[
        recovery_script.index("function paperPaths") : recovery_script.index("function start")
    ]
    texts = re.findall(r'\bt\(\s*"((?:[^"\\]|\\.)*)"', paper)
    assert len(texts) == 6
    for language in ("vi", "en"):
        with translation.override(language):
            portal = " ".join(render_to_string("portal/recovery/_paper_paths.html").split())
            strings = catalogue_for(language)["strings"]
            assert isinstance(strings, dict)
            for text in texts:
                assert " ".join(strings[text].split()) in portal, text


def test_the_portal_home_page_offers_the_app(client):
    home = client.get("/").content.decode()
    app_page = client.get("/ung-dung/").content.decode()

    assert 'href="/ung-dung/"' in home and "Tải ứng dụng" in home
    assert 'href="/app/"' in app_page and 'id="app-coming"' not in app_page


def test_the_shell_preloads_what_the_first_screen_needs_and_no_other_screen(client):
    parser = _Tags()
    parser.feed(client.get("/app/").content.decode())
    preloaded = {
        attrs["href"]
        for tag, attrs in parser.tags
        if tag == "link" and attrs.get("rel") == "modulepreload"
    }
    app = f"{settings.STATIC_URL}app/"
    # The sign-in screen and everything app.js imports, followed through the imports...
    assert {f"{app}router.js", f"{app}api.js", f"{app}i18n.js", f"{app}ui.js"} <= preloaded
    assert f"{app}screens/signin.js" in preloaded
    # ...and no other screen: those come when shown (or from the worker's cache).
    screens = {href for href in preloaded if "/screens/" in str(href)}
    assert screens == {f"{app}screens/signin.js"}
    assert preloaded == set(assets.modules())
