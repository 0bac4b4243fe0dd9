"""node_states.tenant_revisions: which tenant revision each node has live

Revision ID: 0002
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("node_states") as batch:
        batch.add_column(sa.Column("tenant_revisions", sa.Text(), nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("node_states") as batch:
        batch.drop_column("tenant_revisions")
