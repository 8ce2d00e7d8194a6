"""The site's URLs plus ``/boom/``, a page that fails, for the 500 page tests."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from ansinh.urls import handler500
from ansinh.urls import urlpatterns as site_urlpatterns


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug in a view")


urlpatterns = [path("boom/", boom), *site_urlpatterns]

__all__ = ["handler500", "urlpatterns"]
