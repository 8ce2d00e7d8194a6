"""Fixtures of the account tests: the browser fixtures (``ansinh/portal/tests/browser.py``)."""

from ansinh.portal.tests.browser import browser, page

__all__ = ["browser", "page"]
