"""What a web process holds before its first request (issue 16, goal 5: ≤ 150 MB per web
process after the load). fpdf2 (with fontTools) and openpyxl are ≈ 60 MiB of resident memory
together and only a statement, a certificate or a D02-LT template needs them: they are
imported when such a file is drawn, never when the process loads the site."""

from __future__ import annotations

import json
import subprocess
import sys

from django.conf import settings

LOADED = """
import json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ansinh.settings")
from ansinh.wsgi import application
from django.urls import get_resolver
get_resolver().url_patterns
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def _top_level_modules_of_a_loaded_site() -> set[str]:
    done = subprocess.run(  # noqa: S603 - this interpreter, our own script
        [sys.executable, "-c", LOADED],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=settings.BASE_DIR,
        check=True,
    )
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_loading_the_site_does_not_load_the_file_writers():
    loaded = _top_level_modules_of_a_loaded_site()
    assert "django" in loaded and "ninja" in loaded  # the site itself was loaded
    assert not loaded & {"fpdf", "fontTools", "openpyxl"}
