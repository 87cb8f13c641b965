"""Sealed proposals and chained transitions, signed audit checkpoints, provenance, sessions, leases.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("proposals") as batch:
        batch.add_column(sa.Column("seal_kid", sa.String(16), nullable=True))
        batch.add_column(sa.Column("seal", sa.String(64), nullable=True))
        batch.add_column(sa.Column("chain_head", sa.String(96), nullable=True))
        batch.add_column(sa.Column("policy_version", sa.String(64), nullable=True))
        batch.add_column(sa.Column("origin", sa.String(16), nullable=False, server_default="user"))
        batch.add_column(sa.Column("origin_json", sa.Text, nullable=False, server_default="{}"))
        batch.add_column(sa.Column("confirmed_at", sa.DateTime, nullable=True))
    with op.batch_alter_table("proposal_events") as batch:
        batch.add_column(sa.Column("prev_hash", sa.String(96), nullable=True))
        batch.add_column(sa.Column("hash", sa.String(96), nullable=True))
    op.create_table(
        "audit_checkpoints",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("ts", sa.DateTime, nullable=False),
        sa.Column("last_seq", sa.Integer, nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("kid", sa.String(16), nullable=False),
        sa.Column("mac", sa.String(64), nullable=False),
    )
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("username", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        sa.Column("revoked_at", sa.DateTime, nullable=True),
    )
    op.create_index("ix_web_sessions_username", "web_sessions", ["username"])
    op.create_table(
        "leases",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("holder", sa.String(128), nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    for table in ("leases", "web_sessions", "audit_checkpoints"):
        op.drop_table(table)
    with op.batch_alter_table("proposal_events") as batch:
        batch.drop_column("hash")
        batch.drop_column("prev_hash")
    with op.batch_alter_table("proposals") as batch:
        for col in ("confirmed_at", "origin_json", "origin", "policy_version", "chain_head", "seal", "seal_kid"):
            batch.drop_column(col)
