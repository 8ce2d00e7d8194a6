"""Fixtures for the app's tests: Chromium (``browser``), the phone (``phone``) and the real
SMTP server."""

from ansinh.app.tests.browser import phone
from ansinh.dossiers.tests.conftest import lan
from ansinh.notifications.tests.smtp_server import smtp_server
from ansinh.portal.tests.browser import browser

__all__ = ["browser", "lan", "phone", "smtp_server"]
