"""The files of the app shell and the version that names them (docs/app.md).

The service worker keeps every file the app needs to start offline in one cache named after
``version()``: a digest of those files, of the worker itself and of the translations. A deploy
that changes any of them changes the worker's bytes, so browsers install the new worker, which
fills a new cache and deletes the old one. The scripts are ES modules that import each other by
relative paths, so they are listed (and served) under their plain names, never the hashed
names of the production static-files storage: the worker's cache, not the HTTP cache, keeps
them consistent.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from django.conf import settings

HERE = Path(__file__).resolve().parent
STATIC_ROOT = HERE / "static"
APP_STATIC = STATIC_ROOT / "app"
WORKER_SOURCE = HERE / "sw.js"
SHELL_TEMPLATE = Path(settings.BASE_DIR) / "templates" / "app" / "shell.html"
CATALOGUE_SOURCE = HERE / "catalog.py"
# Files of the site the shell uses too.
SHARED_STATIC = ("favicon.svg",)

SHELL_URL = "/app/"
MANIFEST_URL = "/app/manifest.webmanifest"
LANGUAGES = ("vi", "en")


def catalogue_url(language: str) -> str:
    return f"/app/i18n/{language}.json"


def static_files() -> list[Path]:
    """Every file under ``ansinh/app/static/app``, in a stable order."""
    return sorted(p for p in APP_STATIC.rglob("*") if p.is_file())


def static_url(relative: str) -> str:
    return f"{settings.STATIC_URL}{relative}"


def shell_urls() -> list[str]:
    """What the worker caches when it installs: the shell page, the manifest, both
    catalogues and every static file of the app."""
    files = [static_url(p.relative_to(STATIC_ROOT).as_posix()) for p in static_files()]
    shared = [static_url(name) for name in SHARED_STATIC]
    catalogues = [catalogue_url(language) for language in LANGUAGES]
    return [SHELL_URL, MANIFEST_URL, *catalogues, *shared, *files]


# A new visitor's first screen (the router imports every screen only when it is shown).
FIRST_SCREENS = ("screens/signin.js",)
STATIC_IMPORT = re.compile(r'^import\s[^;]*?\bfrom\s+"(\.{1,2}/[^"]+)"', re.MULTILINE)


def _first_screen_files() -> list[Path]:
    """``app.js``, every script it imports statically (followed through their imports), and
    the first screens with theirs: what the first screen cannot be drawn without."""
    wanted = [APP_STATIC / "app.js", *(APP_STATIC / name for name in FIRST_SCREENS)]
    seen: set[Path] = set()
    while wanted:
        path = wanted.pop().resolve()
        if path in seen or not path.is_file():
            continue
        seen.add(path)
        for target in STATIC_IMPORT.findall(path.read_text()):
            wanted.append(path.parent / target)
    return sorted(seen)


def modules() -> list[str]:
    """The URLs of the scripts the first screen needs, for the shell's ``modulepreload``
    links: the browser fetches them all at once instead of one level of imports after
    another, and nothing a first screen does not need delays it (the other screens come
    when shown, or from the worker's cache)."""
    return [
        static_url(p.relative_to(STATIC_ROOT).as_posix())
        for p in _first_screen_files()
        if p.name != "app.js"
    ]


def integrity() -> dict[str, str]:
    """Each static file's Subresource Integrity digest, by URL: the worker's install takes a
    file from the HTTP cache (the page has just fetched it) only if it has these bytes."""
    digests = {}
    for path in static_files():
        digest = base64.b64encode(hashlib.sha384(path.read_bytes()).digest()).decode()
        digests[static_url(path.relative_to(STATIC_ROOT).as_posix())] = f"sha384-{digest}"
    return digests


def _translation_files() -> list[Path]:
    return sorted(
        Path(root) / language / "LC_MESSAGES" / "django.mo"
        for root in settings.LOCALE_PATHS
        for language in LANGUAGES
    )


def version() -> str:
    """A digest of everything the worker caches or is: 16 hex digits."""
    digest = hashlib.sha256()
    sources = [*static_files(), WORKER_SOURCE, SHELL_TEMPLATE, CATALOGUE_SOURCE]
    for path in [*sources, *_translation_files()]:
        digest.update(path.name.encode() + b"\0")
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
