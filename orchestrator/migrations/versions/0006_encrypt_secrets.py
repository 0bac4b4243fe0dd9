"""encrypt secrets at rest: SIP passwords, voicemail PINs, provisioning passwords

Revision ID: 0006
Revises: 0004

The columns widen to hold Fernet tokens and the rows present are encrypted
with the key of the settings (orchestrator/db/secretbox.py: the box the
runtime attached to the engine, else ``secrets_key`` / ``var_dir/secrets.key``
of the environment's settings). The downgrade decrypts them back.
"""
from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# (table, column, length before this revision)
COLUMNS = (("lines", "sip_password", 64), ("lines", "vm_pin", 12), ("devices", "provisioning_password", 64))


def _box():
    from orchestrator.config import load_settings  # lazy: only when rows are there and no key was attached
    from orchestrator.db.secretbox import box_for, box_of  # lazy: as above

    dialect = op.get_bind().dialect
    box = box_of(dialect) if getattr(dialect, "centrex_secret_box", None) is not None else None
    if box is None:
        settings = load_settings()
        box = box_for(settings.secrets_key, settings.var_dir)
    return box


def _set_length(table: str, column: str, old: int, new: int) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(column, existing_type=sa.String(length=old), type_=sa.String(length=new))
        return
    # SQLite enforces no VARCHAR length, and rebuilding the table (batch mode) would drop it, and with
    # foreign keys on, DROP TABLE deletes in cascade what references it (hunt members, device keys...).
    # The declared type is rewritten in the schema instead: SQLite's documented way for a change that
    # leaves the stored data as it is (https://sqlite.org/lang_altertable.html, section 7; TEXT affinity
    # either way).
    sql = bind.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type='table' AND name=?", (table,)).scalar()
    new_sql, found = re.subn(rf'(\b"?{column}"?\s+)VARCHAR\({old}\)', rf"\g<1>VARCHAR({new})", sql or "")
    if found != 1:
        raise RuntimeError(f"{table}.{column}: VARCHAR({old}) not found in the SQLite schema")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar()
    bind.exec_driver_sql("PRAGMA writable_schema=ON")
    bind.exec_driver_sql("UPDATE sqlite_master SET sql=? WHERE type='table' AND name=?", (new_sql, table))
    bind.exec_driver_sql(f"PRAGMA schema_version={int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema=OFF")


def _convert(table: str, column: str, convert) -> None:
    conn = op.get_bind()
    t = sa.table(table, sa.column("id", sa.Integer), sa.column(column, sa.String))
    rows = conn.execute(sa.select(t.c.id, t.c[column]).where(t.c[column].is_not(None))).all()
    if not rows:
        return
    box = _box()
    for row_id, value in rows:
        conn.execute(sa.update(t).where(t.c.id == row_id).values({column: convert(box, value)}))


def upgrade() -> None:
    for table, column, length in COLUMNS:
        _set_length(table, column, length, 255)
    for table, column, _ in COLUMNS:
        # a value already sealed (an upgrade run again after a partial failure) stays as it is
        _convert(table, column, lambda box, value: value if box.is_sealed(value) else box.seal(value))


def downgrade() -> None:
    for table, column, _ in COLUMNS:
        _convert(table, column, lambda box, value: box.open(value) if box.is_sealed(value) else value)
    for table, column, length in COLUMNS:
        _set_length(table, column, 255, length)
