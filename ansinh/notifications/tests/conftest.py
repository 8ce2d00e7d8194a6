"""Fixtures for the notification tests; ``smtp_server`` is importable by other test packages."""

from ansinh.notifications.tests.smtp_server import smtp_server

__all__ = ["smtp_server"]
