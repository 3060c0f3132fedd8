"""Therapist review: sign-in accounts, dashboard sessions, the audit log, and
client records a therapist names before the client pairs.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Batch mode: SQLite can only change a column by copying the table.
    with op.batch_alter_table("therapists") as table:
        table.add_column(sa.Column("username", sa.String(64), nullable=True))
        table.add_column(sa.Column("password_hash", sa.String(255), nullable=True))
        table.create_unique_constraint("uq_therapists_username", ["username"])
    with op.batch_alter_table("clients") as table:
        table.alter_column("conversation_id", existing_type=sa.String(255), nullable=True)
        table.add_column(sa.Column("display_name", sa.Text(), nullable=True))
        table.add_column(sa.Column("last_session_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("pairing_codes") as table:
        table.add_column(sa.Column("client_id", sa.Integer(), nullable=True))
        table.create_foreign_key(
            "fk_pairing_codes_client_id", "clients", ["client_id"], ["id"], ondelete="CASCADE"
        )
    op.create_table(
        "dashboard_sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("therapist_id", sa.Integer(), sa.ForeignKey("therapists.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_dashboard_sessions_therapist_id", "dashboard_sessions", ["therapist_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("therapist_id", sa.Integer(), sa.ForeignKey("therapists.id"), nullable=True),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.String(255), nullable=True),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_action", "audit_log", ["action"])
    op.create_index("ix_audit_log_client_id", "audit_log", ["client_id"])
    # The review pages read a client's entries by conversation and therapist, in time order.
    op.create_index(
        "ix_entries_review", "entries", ["conversation_id", "therapist_id", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_entries_review", table_name="entries")
    op.drop_table("audit_log")
    op.drop_table("dashboard_sessions")
    with op.batch_alter_table("pairing_codes") as table:
        table.drop_constraint("fk_pairing_codes_client_id", type_="foreignkey")
        table.drop_column("client_id")
    with op.batch_alter_table("clients") as table:
        table.drop_column("last_session_at")
        table.drop_column("display_name")
        table.alter_column("conversation_id", existing_type=sa.String(255), nullable=False)
    with op.batch_alter_table("therapists") as table:
        table.drop_constraint("uq_therapists_username", type_="unique")
        table.drop_column("password_hash")
        table.drop_column("username")
