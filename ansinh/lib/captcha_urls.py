"""django-simple-captcha's URLs (same paths and names, which its widget reverses), with the
image and audio views limited per client address (``ansinh.lib.captcha``). Minting, by
``/captcha/refresh/`` or by any page, is limited where it happens: ``captcha.challenge``."""

from __future__ import annotations

from typing import Any

from captcha import views
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import re_path

from .captcha import CaptchaRefusedError, limit, refused_response


def _drawn(view: Any) -> Any:
    def limited(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            limit(request, group="captcha.image", rate=settings.CAPTCHA_IMAGE_RATE)
        except CaptchaRefusedError as refused:
            return refused_response(request, refused)
        response: HttpResponse = view(request, *args, **kwargs)
        return response

    return limited


captcha_image = _drawn(views.captcha_image)
captcha_audio = _drawn(views.captcha_audio)

urlpatterns = [
    re_path(r"image/(?P<key>\w+)/$", captcha_image, name="captcha-image", kwargs={"scale": 1}),
    re_path(r"image/(?P<key>\w+)@2/$", captcha_image, name="captcha-image-2x", kwargs={"scale": 2}),
    re_path(r"audio/(?P<key>\w+).wav$", captcha_audio, name="captcha-audio"),
    re_path(r"refresh/$", views.captcha_refresh, name="captcha-refresh"),
]
