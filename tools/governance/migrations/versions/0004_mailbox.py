"""The procurement mailbox: stored messages (de-duplicated by Message-ID) and the IMAP sync cursor.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mail_messages",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("msgid_sha", sa.String(64), nullable=False, unique=True),
        sa.Column("message_id", sa.Text, nullable=False),
        sa.Column("source", sa.String(255), nullable=False),
        sa.Column("date", sa.DateTime, nullable=True),
        sa.Column("sender", sa.String(320), nullable=False, server_default=""),
        sa.Column("sender_name", sa.String(255), nullable=False, server_default=""),
        sa.Column("original_sender", sa.String(320), nullable=False, server_default=""),
        sa.Column("to_json", sa.Text, nullable=False, server_default="[]"),
        sa.Column("subject", sa.Text, nullable=False, server_default=""),
        sa.Column("body", sa.Text, nullable=False, server_default=""),
        sa.Column("attachments_json", sa.Text, nullable=False, server_default="[]"),
        sa.Column("in_reply_to", sa.Text, nullable=False, server_default=""),
        sa.Column("references_json", sa.Text, nullable=False, server_default="[]"),
        sa.Column("language", sa.String(16), nullable=False, server_default=""),
        sa.Column("raw_sha256", sa.String(64), nullable=False, server_default=""),
        sa.Column("vendor_id", sa.Integer, nullable=True),
        sa.Column("vendor_name", sa.String(255), nullable=True),
        sa.Column("links_json", sa.Text, nullable=False, server_default="[]"),
        sa.Column("link_state", sa.String(16), nullable=False, server_default="new"),
        sa.Column("linked_by", sa.String(128), nullable=True),
        sa.Column("kind", sa.String(32), nullable=True),
        sa.Column("facts_json", sa.Text, nullable=False, server_default="{}"),
        sa.Column("understood_by", sa.String(16), nullable=True),
        sa.Column("injection", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    for col in ("date", "vendor_id", "link_state", "kind"):
        op.create_index(f"ix_mail_messages_{col}", "mail_messages", [col])
    op.create_table(
        "mail_sync_state",
        sa.Column("account", sa.String(255), primary_key=True),
        sa.Column("folder", sa.String(255), primary_key=True),
        sa.Column("uidvalidity", sa.BigInteger, nullable=False),
        sa.Column("last_uid", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("mail_sync_state")
    op.drop_table("mail_messages")
