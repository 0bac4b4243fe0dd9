"""Alembic: from empty to head matches the models; downgrade to base empties."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import orchestrator.db.models  # noqa: F401
from orchestrator.db import Base, make_engine, migrate


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_engine(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'mig.sqlite3'}"
    else:
        url = request.getfixturevalue("pg_database")
    engine = make_engine(url)
    if request.param == "postgresql":  # the shared test database may already be migrated
        migrate.downgrade(engine, "base") if migrate.current_revision(engine) else None
    yield engine
    if request.param == "postgresql":
        migrate.upgrade(engine)  # leave it as the other tests expect
    engine.dispose()


def test_upgrade_from_empty_matches_models_and_downgrade_empties(empty_engine):
    assert migrate.current_revision(empty_engine) is None
    migrate.upgrade(empty_engine)
    assert migrate.current_revision(empty_engine) == migrate.head_revision()
    tables = set(inspect(empty_engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    with empty_engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diffs == [], f"models and migrations disagree: {diffs}"
    migrate.downgrade(empty_engine, "base")
    left = set(inspect(empty_engine).get_table_names()) - {"alembic_version"}
    assert left == set()
    assert migrate.current_revision(empty_engine) is None
