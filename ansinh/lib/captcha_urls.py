"""django-simple-captcha's URLs (same paths and names, which its widget reverses), with the
image and audio views limited per client address (``ansinh.lib.captcha``). Minting, by
``/captcha/refresh/`` or by any page, is limited where it happens: ``captcha.challenge``.

The audio is ours (issue 12 c): the code spoken in Vietnamese (English when the person chose
English) by ``ansinh.lib.speech``, limited per address by ``CAPTCHA_AUDIO_RATE`` (speaking costs
more than drawing). The refresh answers the new code's image and audio URLs."""

from __future__ import annotations

import io
import json
import random
from typing import Any

from captcha import views
from captcha.models import CaptchaStore
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import re_path, reverse
from django.utils import timezone
from django.utils.translation import get_language
from ranged_response import RangedFileResponse

from . import speech
from .captcha import CaptchaRefusedError, limit, refused_response


def _limited(view: Any, group: str, rate_setting: str) -> Any:
    def limited(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            limit(request, group=group, rate=getattr(settings, rate_setting))
        except CaptchaRefusedError as refused:
            return refused_response(request, refused)
        response: HttpResponse = view(request, *args, **kwargs)
        return response

    return limited


def _audio(request: HttpRequest, key: str) -> HttpResponse:
    """The code of ``key`` read aloud (WAV). 410 when the code expired or was used, 404 when the
    server cannot speak. The same key gives the same bytes, so a player's range requests agree."""
    if not speech.available():
        raise Http404
    store = CaptchaStore.objects.filter(hashkey=key, expiration__gt=timezone.now()).first()
    if store is None:
        return HttpResponse(status=410)
    language = (get_language() or "vi").split("-")[0]
    wav = speech.spoken_code(store.challenge, language=language, rng=random.Random(key))  # noqa: S311 - variation, not secrecy
    response = RangedFileResponse(request, io.BytesIO(wav), content_type="audio/wav")
    response["Cache-Control"] = "no-store"
    response["Content-Disposition"] = 'inline; filename="ma-kiem-tra.wav"'
    return response


def _refresh(request: HttpRequest) -> HttpResponse:
    """A new code for the page's "Đổi mã khác" (JavaScript): its key and URLs, as JSON."""
    if request.headers.get("x-requested-with") != "XMLHttpRequest":
        raise Http404
    key = CaptchaStore.pick()  # mints through ansinh.lib.captcha.challenge: limited
    body = {
        "key": key,
        "image_url": reverse("captcha-image", kwargs={"key": key}),
        "audio_url": reverse("captcha-audio", kwargs={"key": key}) if speech.available() else None,
    }
    response = HttpResponse(json.dumps(body), content_type="application/json")
    response["Cache-Control"] = "no-store"
    return response


captcha_image = _limited(views.captcha_image, "captcha.image", "CAPTCHA_IMAGE_RATE")
captcha_audio = _limited(_audio, "captcha.audio", "CAPTCHA_AUDIO_RATE")

urlpatterns = [
    re_path(r"image/(?P<key>\w+)/$", captcha_image, name="captcha-image", kwargs={"scale": 1}),
    re_path(r"image/(?P<key>\w+)@2/$", captcha_image, name="captcha-image-2x", kwargs={"scale": 2}),
    re_path(r"audio/(?P<key>\w+).wav$", captcha_audio, name="captcha-audio"),
    re_path(r"refresh/$", _refresh, name="captcha-refresh"),
]
