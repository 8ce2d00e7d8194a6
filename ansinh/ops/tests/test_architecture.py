"""The shape of the code, checked like behaviour (issue 11 §2, docs/architecture.md).

Rules that a review forgets: the import graph has no circles or upward arrows (the contracts in
pyproject.toml, through import-linter), no module borrows another's private names, adapters
hold no queries or role checks (Zulip lints its ``access_*`` rule the same way), and modules
stay small enough to read.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2]
ROOT = PACKAGE.parent


def _modules(*, tests: bool = False) -> Iterator[Path]:
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        if "migrations" in parts:
            continue
        if ("tests" in parts or path.name == "conftest.py") != tests:
            continue
        yield path


def _name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def test_the_import_graph_keeps_its_layers(capsys):
    from importlinter.cli import EXIT_STATUS_SUCCESS, lint_imports

    status = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True)

    assert status == EXIT_STATUS_SUCCESS, capsys.readouterr().out


def test_no_module_imports_another_modules_private_names():
    borrowed = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.ImportFrom):
                continue
            source = node.module or ""
            if node.level == 0 and not source.startswith("ansinh"):
                continue
            for alias in node.names:
                if alias.name.startswith("_") and alias.name != "_":
                    borrowed.append(f"{_name(path)}:{node.lineno} imports {alias.name}")
    assert borrowed == []


@pytest.mark.parametrize("path", list(_modules()), ids=_name)
def test_a_module_stays_under_500_lines(path):
    lines = len(path.read_text().splitlines())

    assert lines <= 500, f"{_name(path)} has {lines} lines: split it by flow (STYLE.md)"
