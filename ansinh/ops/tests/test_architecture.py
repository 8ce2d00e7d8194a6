"""The shape of the code, checked like behaviour (issue 11 §2, docs/architecture.md).

Rules that a review forgets: the import graph has no circles or upward arrows (the contracts in
pyproject.toml, through import-linter), no module borrows another's private names, adapters
hold no queries or role checks (Zulip lints its ``access_*`` rule the same way), and modules
stay small enough to read.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from fnmatch import fnmatch
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
    if not path.is_relative_to(ROOT):
        return path.stem
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


# Not code to read by flow: the settings are one commented setting after another, in the order
# of docs/operations.md.
LONG_ON_PURPOSE = frozenset({"ansinh.settings"})


@pytest.mark.parametrize(
    "path", [p for p in _modules() if _name(p) not in LONG_ON_PURPOSE], ids=_name
)
def test_a_module_stays_under_500_lines(path):
    lines = len(path.read_text().splitlines())

    assert lines <= 500, f"{_name(path)} has {lines} lines: split it by flow (STYLE.md)"


# --- Adapters parse, call a service or an access helper, and render -----------------------------

ADAPTERS = ("api", "portal", "backoffice", "app")
# QuerySet methods: composing or running a query is the access helpers' and services' work.
QUERY_METHODS = frozenset(
    {
        "filter", "exclude", "select_related", "prefetch_related", "annotate", "aggregate",
        "values", "values_list", "order_by", "select_for_update", "get_or_create",
        "update_or_create", "bulk_create", "bulk_update", "only", "defer", "extra", "raw",
        "refresh_from_db", "in_bulk", "exists", "first", "last", "latest", "earliest",
    }
)  # fmt: skip
MANAGERS = frozenset({"objects", "_default_manager", "_base_manager"})
# Who may do what is decided by services and access.py helpers from the Actor, never here.
ROLE_ATTRIBUTES = frozenset(
    {"role", "is_staff", "is_superuser", "is_citizen", "is_office_staff", "office", "office_id"}
)
ROLE_NAMES = frozenset({"Role", "get_object_or_404", "get_list_or_404"})


def _adapter_modules() -> Iterator[Path]:
    for path in _modules():
        parts = path.relative_to(PACKAGE).parts
        if parts[0] in ADAPTERS or (len(parts) > 2 and parts[1:3] == ("management", "commands")):
            yield path


def _adapter_findings(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        where = f"{_name(path)}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Attribute) and node.attr in MANAGERS:
            found.append(f"{where} uses a model manager (.{node.attr})")
        elif isinstance(node, ast.Attribute) and node.attr in ROLE_ATTRIBUTES:
            found.append(f"{where} reads .{node.attr} (a role or scope check)")
        elif isinstance(node, ast.Name) and node.id in ROLE_NAMES:
            found.append(f"{where} uses {node.id}")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in QUERY_METHODS
            and not node.args
        ) or (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in QUERY_METHODS - {"first", "last", "exists"}
        ):
            found.append(f"{where} runs a query (.{node.func.attr}())")
    return found


@pytest.mark.parametrize("path", list(_adapter_modules()), ids=_name)
def test_an_adapter_holds_no_queries_and_no_role_checks(path):
    assert _adapter_findings(path) == []


def test_the_adapter_check_finds_a_query_and_a_role_check(tmp_path):
    sample = tmp_path / "view.py"
    sample.write_text(
        "def view(request, Person, Role):\n"
        "    person = Person.objects.filter(pk=1).first()\n"
        "    if request.user.role == Role.APPROVER:\n"
        "        return person\n"
    )
    found = _adapter_findings(sample)

    assert any("model manager" in line for line in found)
    assert any(".filter()" in line for line in found)
    assert any(".role" in line for line in found)
    assert any("uses Role" in line for line in found)


def test_the_adapter_check_finds_a_door_check_through_the_user_properties(tmp_path):
    sample = tmp_path / "view.py"
    sample.write_text(
        "def view(request):\n"
        "    if not request.user.is_citizen:\n"
        "        return None\n"
        "    return request.user.is_office_staff\n"
    )
    found = _adapter_findings(sample)

    assert any(".is_citizen" in line for line in found)
    assert any(".is_office_staff" in line for line in found)


# --- Domain errors say what kind of refusal, never which HTTP status -----------------------------

DOMAIN_APPS = (
    "accounts",
    "audit",
    "cards",
    "contributions",
    "dossiers",
    "notifications",
    "people",
    "recovery",
    "lib",
)
# Django's shortcuts that answer with an HTTP 404 from inside the domain.
HTTP_NOT_FOUND = frozenset({"Http404", "get_object_or_404", "get_list_or_404"})
STATUS_KEYWORDS = frozenset({"status", "status_code", "http_status"})


# Module -> why it may name HTTP statuses although it lives in a domain app.
STATUS_MAPPERS = {
    "ansinh.lib.middleware": "the pages' one mapping of a refusal's kind to a status",
    "ansinh.lib.captcha_urls": "the CAPTCHA's own views (image, audio, refresh) answer requests",
}


def _domain_modules() -> Iterator[Path]:
    for path in _modules():
        if path.relative_to(PACKAGE).parts[0] in DOMAIN_APPS and _name(path) not in STATUS_MAPPERS:
            yield path


def _is_http_status(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is int and 400 <= node.value <= 599


def _status_findings(path: Path) -> list[str]:
    """``Http404`` (raised, imported or through a shortcut) anywhere in a domain module, and a
    class (an error) built with an HTTP status number, positionally or as ``status=``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        where = f"{_name(path)}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Name) and node.id in HTTP_NOT_FOUND:
            found.append(f"{where} uses {node.id}")
        elif isinstance(node, ast.Attribute) and node.attr in HTTP_NOT_FOUND:
            found.append(f"{where} uses .{node.attr}")
        elif isinstance(node, ast.ImportFrom):
            found.extend(
                f"{where} imports {alias.name}"
                for alias in node.names
                if alias.name in HTTP_NOT_FOUND
            )
        elif isinstance(node, ast.Call):
            callee = node.func.id if isinstance(node.func, ast.Name) else ""
            if isinstance(node.func, ast.Attribute):
                callee = node.func.attr
            if not callee[:1].isupper():
                continue
            if any(_is_http_status(arg) for arg in node.args) or any(
                kw.arg in STATUS_KEYWORDS and _is_http_status(kw.value) for kw in node.keywords
            ):
                found.append(f"{where} builds {callee} with an HTTP status")
    return found


@pytest.mark.parametrize("path", list(_domain_modules()), ids=_name)
def test_a_domain_module_raises_no_http_status(path):
    assert _status_findings(path) == []


def test_the_status_check_finds_http404_and_an_error_with_a_status(tmp_path):
    sample = tmp_path / "services.py"
    sample.write_text(
        "from django.http import Http404\n"
        "from django.shortcuts import get_object_or_404\n"
        "def service(DossierError, Person):\n"
        "    if not Person:\n"
        "        raise Http404\n"
        "    get_object_or_404(Person, pk=1)\n"
        "    raise DossierError(403, 'staff_only', 'Only staff.')\n"
        "def other(Refused):\n"
        "    raise Refused('conflict', status=409)\n"
    )
    found = _status_findings(sample)

    assert any("imports Http404" in line for line in found)
    assert any(":5 uses Http404" in line for line in found)
    assert any("uses get_object_or_404" in line for line in found)
    assert any("builds DossierError with an HTTP status" in line for line in found)
    assert any("builds Refused with an HTTP status" in line for line in found)


def test_the_status_check_lets_a_kind_of_refusal_through(tmp_path):
    sample = tmp_path / "services.py"
    sample.write_text(
        "from ansinh.lib.errors import Conflict, NotFound\n"
        "def service(found, limit):\n"
        "    if not found:\n"
        "        raise NotFound\n"
        "    items = list(range(500))[:limit]\n"
        "    raise Conflict('dossier_closed', 'Closed.')\n"
    )

    assert _status_findings(sample) == []


# --- Services see an Actor, never a request -------------------------------------------------------

# Where business rules live: none of their modules touches HTTP, except the web plumbing below.
DOMAIN = (
    "accounts", "audit", "cards", "contributions", "dossiers", "notifications", "people",
    "recovery", "lib", "ops",
)  # fmt: skip
# The only modules of those apps that may import django.http, each with its reason. An entry
# that no longer matches a module importing django.http is stale and fails the test below.
WEB_PLUMBING = {
    "*/views.py": "views take the request and answer it",
    "*/admin.py": "Django admin views and actions take the request",
    "*/middleware.py": "middleware wraps every request",
    "accounts/web.py": "the sign-in pages' plumbing: sessions, cookies, page decorators",
    "accounts/backends.py": "Django's authentication-backend interface passes the request",
    "dossiers/web.py": "the dossier pages' shared helpers: form errors, files, upload limits",
    "lib/actor.py": "Actor.from_request, which the adapters call to build the Actor",
    "lib/clientip.py": "reads the client address off the request, for Actor.from_request",
    "lib/captcha.py": "answers a refused CAPTCHA challenge (its middleware)",
    "lib/captcha_urls.py": "the CAPTCHA's image and refresh views, rate-limited",
    "lib/csrf.py": "the CSRF middleware and view decorator",
    "lib/apimiddleware.py": "middleware for the API's requests",
    "lib/replicas.py": "the read-replica middleware and view decorator: whose writes a request reads",
}


def _domain_path(path: Path) -> str | None:
    """``app/module.py`` for a domain module, ``None`` for anything else."""
    relative = path.relative_to(PACKAGE).as_posix()
    return relative if relative.split("/")[0] in DOMAIN and "/" in relative else None


def _web_plumbing_entry(relative: str) -> str | None:
    return next((pattern for pattern in WEB_PLUMBING if fnmatch(relative, pattern)), None)


def _imports_http(tree: ast.AST) -> list[int]:
    """Lines importing ``django.http`` (or a submodule), even under ``TYPE_CHECKING``."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            module = node.module or ""
            names = [module] + [f"{module}.{alias.name}" for alias in node.names]
        else:
            continue
        if any(name == "django.http" or name.startswith("django.http.") for name in names):
            lines.append(node.lineno)
    return lines


def _request_parameters(tree: ast.AST) -> list[tuple[int, str]]:
    """``(line, function)`` for every function with a parameter named ``request``."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            args = node.args
            names = [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
            names += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
            if "request" in names:
                found.append((node.lineno, getattr(node, "name", "lambda")))
    return found


def _request_findings(path: Path, relative: str) -> list[str]:
    """What makes the domain module ``relative`` (``app/module.py``) see a request."""
    if _web_plumbing_entry(relative) is not None:
        return []
    tree = ast.parse(path.read_text(), str(path))
    found = [f"{relative}:{line} imports django.http" for line in _imports_http(tree)]
    found += [
        f"{relative}:{line} {name}() takes a request: take actor: Actor"
        for line, name in _request_parameters(tree)
    ]
    return found


def test_no_service_sees_a_request():
    """No module of the domain apps imports django.http or has a function taking ``request``,
    except the web plumbing (``WEB_PLUMBING``): services take an ``Actor`` (lib/actor.py)."""
    found = []
    for path in _modules():
        relative = _domain_path(path)
        if relative is not None:
            found += _request_findings(path, relative)

    assert found == []


def test_every_web_plumbing_entry_still_names_a_module_that_imports_django_http():
    used = set()
    for path in _modules():
        relative = _domain_path(path)
        entry = _web_plumbing_entry(relative) if relative is not None else None
        if entry is not None and _imports_http(ast.parse(path.read_text(), str(path))):
            used.add(entry)

    assert sorted(set(WEB_PLUMBING) - used) == []


def test_the_request_check_finds_an_http_import_and_a_request_parameter(tmp_path):
    sample = tmp_path / "services.py"
    sample.write_text(
        "from typing import TYPE_CHECKING\n"
        "import django.http.response\n"
        "if TYPE_CHECKING:\n"
        "    from django.http import HttpRequest\n"
        "def submit(*, request: 'HttpRequest', note: str) -> None:\n"
        "    return None\n"
        "def legacy(request, /):\n"
        "    return None\n"
    )
    found = _request_findings(sample, "dossiers/services.py")

    assert any(":2 imports django.http" in line for line in found)
    assert any(":4 imports django.http" in line for line in found)
    assert any("submit() takes a request" in line for line in found)
    assert any("legacy() takes a request" in line for line in found)
    # The same code in a view module is web plumbing, and an actor parameter is no finding.
    assert _request_findings(sample, "notifications/views.py") == []
    sample.write_text("def submit(*, actor, requester):\n    return actor\n")
    assert _request_findings(sample, "dossiers/services.py") == []
