"""The Content-Security-Policy header built once (ansinh/lib/apimiddleware.py, issue 16) is
django-csp's own text, follows a changed policy, and leaves per-view policies to django-csp."""

from __future__ import annotations

import pytest
from csp.utils import build_policy

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/", "/api/v1/me/participation", "/api/v1/nowhere"])
def test_every_answer_carries_django_csp_s_policy(client, path):
    response = client.get(path)
    assert response["Content-Security-Policy"] == build_policy()
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "Content-Security-Policy-Report-Only" not in response


def test_a_changed_policy_is_sent_from_the_next_answer_on(client, settings):
    first = client.get("/")["Content-Security-Policy"]
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": {"img-src": ["'self'"]}}
    response = client.get("/")
    assert first != response["Content-Security-Policy"] == "default-src 'none'"
    assert response["Content-Security-Policy-Report-Only"] == build_policy(report_only=True)
    assert "img-src 'self'" in response["Content-Security-Policy-Report-Only"]
