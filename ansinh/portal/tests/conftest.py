"""Fixtures for the portal tests; ``browser`` and ``page`` are importable by other test
packages from ``ansinh.portal.tests.browser``."""

from ansinh.portal.tests.browser import browser, page

__all__ = ["browser", "page"]
