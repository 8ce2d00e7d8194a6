"""DATABASE_REPLICA_URL and the router without a standby (ansinh/lib/replicas.py; the standby
tests are in test_replicas.py): runs on the embedded SQLite pass too."""

from __future__ import annotations

import json
from types import SimpleNamespace

from django.db import router

from ansinh.lib import replicas
from ansinh.notifications.models import Notice

from .test_settings import PRODUCTION_ENV, _run

PROBE = (
    "import ansinh.settings as s, json; "
    "print(json.dumps([s.DATABASE_REPLICAS, "
    "{a: s.DATABASES[a] for a in s.DATABASE_REPLICAS}]))"
)


def test_replica_urls_become_mirrors_of_the_primary() -> None:
    result = _run(
        ["-c", PROBE],
        {
            **PRODUCTION_ENV,
            "DATABASE_REPLICA_URL": "postgres://ro@10.0.0.2:5432/ansinh, postgres://ro@10.0.0.3/ansinh",
        },
    )
    assert result.returncode == 0, result.stderr
    aliases, databases = json.loads(result.stdout.strip().splitlines()[-1])

    assert aliases == ["replica", "replica2"]
    assert [databases[a]["HOST"] for a in aliases] == ["10.0.0.2", "10.0.0.3"]
    for alias in aliases:
        # Tests read the primary's test database through it; a replica that is away is given
        # up on quickly.
        assert databases[alias]["TEST"] == {"MIRROR": "default"}
        assert databases[alias]["OPTIONS"]["connect_timeout"] == 2


def test_no_replica_url_no_replica() -> None:
    result = _run(["-c", PROBE], PRODUCTION_ENV)
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [[], {}]


def test_a_replica_of_sqlite_is_refused() -> None:
    result = _run(
        ["-c", "import ansinh.settings"],
        {"DATABASE_URL": "sqlite:////tmp/a.sqlite3", "DATABASE_REPLICA_URL": "postgres://x/y"},
    )
    assert result.returncode != 0
    assert "DATABASE_REPLICA_URL needs a PostgreSQL DATABASE_URL" in result.stderr


def test_without_replicas_everything_reads_and_writes_the_primary() -> None:
    seen = []

    @replicas.reads_from_replica
    def view(request: object) -> None:
        seen.append((router.db_for_read(Notice), replicas.reading_from_replica()))

    view(SimpleNamespace(user=None))

    assert seen == [("default", False)]
    assert router.db_for_write(Notice) == "default"
    assert replicas.ReplicaRouter().allow_migrate("replica", "notifications") is False


def test_the_principal_of_a_request() -> None:
    user = SimpleNamespace(is_authenticated=True, pk=7)
    anonymous = SimpleNamespace(is_authenticated=False)
    key = SimpleNamespace(unit_id=3, organisation_id=None)

    assert replicas.principal_of(SimpleNamespace(user=user)) == "user:7"  # type: ignore[arg-type]
    assert replicas.principal_of(SimpleNamespace(user=anonymous, auth=key)) == "unit_id:3"  # type: ignore[arg-type]
    session = SimpleNamespace(session_key="abc")
    assert replicas.principal_of(SimpleNamespace(session=session)) == "session:abc"  # type: ignore[arg-type]
    assert replicas.principal_of(SimpleNamespace()) is None  # type: ignore[arg-type]
