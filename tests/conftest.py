"""Shared fixtures: the data layer on SQLite and on a real PostgreSQL.

PostgreSQL: ``TEST_POSTGRES_URL`` (default: the local server on port 5432,
trust auth). Each test run creates its own database and drops it at the end.
A missing server is an error, never a silent pass: ``.ci/run`` starts it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from webui_helpers import load_demo, load_other_tenant, make_app

from orchestrator.config import Settings
from orchestrator.db import Base, make_engine, migrate
from orchestrator.runtime import Runtime
from orchestrator.services.notifier import RecordingNotifier

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
BACKENDS = ["sqlite", "postgresql"]


def _pg_admin() -> Engine:
    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001
        pytest.fail(f"PostgreSQL is required for these tests and is not reachable at {PG_ADMIN_URL}: {exc}. "
                    "Start it (see .ci/run) or set TEST_POSTGRES_URL.", pytrace=False)
    return engine


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test run."""
    admin = _pg_admin()
    name = f"centrex_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _database_url(backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    return request.getfixturevalue("pg_database")


@pytest.fixture(scope="session", params=BACKENDS)
def migrated_engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """An engine on a database migrated to head, one per backend."""
    url = _database_url(request.param, request, tmp_path_factory)
    engine = make_engine(url)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


def _wipe(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(var_dir=tmp_path / "var")


@pytest.fixture
def rt(migrated_engine: Engine, settings: Settings) -> Iterator[Runtime]:
    """A runtime on a migrated database (SQLite, then PostgreSQL), emptied after each test."""
    runtime = Runtime(settings=settings, notifier=RecordingNotifier())
    runtime.__dict__["engine"] = migrated_engine  # inject: cached_property slot
    try:
        yield runtime
    finally:
        _wipe(migrated_engine)


@pytest.fixture
def ctx(rt: Runtime):
    with rt.context(actor="test") as context:
        yield context


@pytest.fixture(autouse=True)
def _reset_orchestrator_logger():
    """The CLI configures the 'orchestrator' logger; undo it between tests."""
    import logging

    yield
    for name in ("orchestrator", "esl_handlers", "webui"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.setLevel(logging.NOTSET)


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch):
    """scrypt at production cost makes every demo import slow; hashes made
    in tests carry their own (lower) cost and still verify."""
    from orchestrator.services import passwords

    monkeypatch.setattr(passwords, "_N", 2**8)


REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_conn():
    """The real Redis, with a key prefix of this test's own (cleaned after)."""
    import redis

    conn = redis.Redis.from_url(REDIS_URL)
    try:
        conn.ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.fail(f"Redis is required at {REDIS_URL} and is not reachable: {exc} (see .ci/run)", pytrace=False)
    prefix = f"centrex-test-{uuid.uuid4().hex[:8]}"
    yield conn, prefix
    for key in conn.scan_iter(f"*{prefix}*"):
        conn.delete(key)


@pytest.fixture
def app(rt: Runtime):
    """The demo company (Bauer SA) and a second one, served by the web app:
    where most web tests start (a module may define its own ``app``)."""
    load_demo(rt)
    load_other_tenant(rt)
    return make_app(rt)
