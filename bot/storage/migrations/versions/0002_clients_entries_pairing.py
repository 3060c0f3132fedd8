"""Clients, therapists, pairing codes and entries (incidents and mood check-ins).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _timestamps(*names: str, nullable: bool = False) -> list[sa.Column]:
    return [sa.Column(name, sa.DateTime(timezone=True), nullable=nullable) for name in names]


def upgrade() -> None:
    op.create_table(
        "therapists",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False, unique=True),
        *_timestamps("created_at"),
    )
    op.create_table(
        "pairing_codes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("therapist_id", sa.Integer(), sa.ForeignKey("therapists.id"), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False, unique=True),
        *_timestamps("created_at", "expires_at"),
        *_timestamps("used_at", nullable=True),
        sa.Column("used_by", sa.String(255), nullable=True),
    )
    op.create_table(
        "pairing_attempts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        *_timestamps("created_at"),
    )
    op.create_index("ix_pairing_attempts_conversation_id", "pairing_attempts", ["conversation_id"])
    op.create_index("ix_pairing_attempts_created_at", "pairing_attempts", ["created_at"])
    op.create_table(
        "clients",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("conversation_id", sa.String(255), nullable=False, unique=True),
        sa.Column("therapist_id", sa.Integer(), sa.ForeignKey("therapists.id"), nullable=True),
        *_timestamps("consented_at", "paired_at", nullable=True),
        *_timestamps("created_at"),
    )
    op.create_table(
        "entries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("reference", sa.String(16), nullable=False, unique=True),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("idempotency_key", sa.String(128), nullable=False),
        sa.Column("therapist_id", sa.Integer(), sa.ForeignKey("therapists.id"), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=True),
        sa.Column("mood", sa.Integer(), nullable=True),
        sa.Column("problem_area", sa.String(32), nullable=True),
        *[
            sa.Column(name, sa.Text(), nullable=True)
            for name in (
                "who",
                "place",
                "what_happened",
                "client_said",
                "other_said",
                "wanted",
                "afterwards",
                "feelings",
                "note",
            )
        ],
        *_timestamps("created_at", "updated_at"),
        sa.UniqueConstraint("conversation_id", "idempotency_key"),
    )
    op.create_index("ix_entries_conversation_id", "entries", ["conversation_id"])
    op.create_index("ix_entries_therapist_id", "entries", ["therapist_id"])
    op.create_index("ix_entries_created_at", "entries", ["created_at"])


def downgrade() -> None:
    for index, table in (
        ("ix_entries_created_at", "entries"),
        ("ix_entries_therapist_id", "entries"),
        ("ix_entries_conversation_id", "entries"),
    ):
        op.drop_index(index, table)
    op.drop_table("entries")
    op.drop_table("clients")
    op.drop_index("ix_pairing_attempts_created_at", "pairing_attempts")
    op.drop_index("ix_pairing_attempts_conversation_id", "pairing_attempts")
    op.drop_table("pairing_attempts")
    op.drop_table("pairing_codes")
    op.drop_table("therapists")
