"""Fixtures for the portal tests; ``browser`` and ``page`` are importable by other test
packages from ``ansinh.portal.tests.browser``."""

import pytest

from ansinh.portal.tests.browser import browser, page

from .pages import Demo, make_demo

__all__ = ["browser", "demo", "page"]


@pytest.fixture
def demo(citizen, outsider, office, unit, clerk, approver) -> Demo:
    """What the walk of every portal page shows (``pages.make_demo``)."""
    return make_demo(citizen=citizen, office=office, unit=unit, clerk=clerk, approver=approver)
