"""Fixtures of the dossier tests: uploads go to a temporary MEDIA_ROOT; the browser fixtures
come from the portal's test package."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from ansinh.portal.tests.browser import browser, page

__all__ = ["browser", "page"]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path: Path) -> Iterator[Path]:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    yield tmp_path / "media"
