"""The ``ansinh`` command: ``run``, ``serve``, ``worker``, ``demo`` and every Django command."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ansinh.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    execute_from_command_line(["ansinh", *(args or ["help"])])


if __name__ == "__main__":
    main()
