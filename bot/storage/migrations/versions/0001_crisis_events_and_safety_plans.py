"""Crisis events and safety plans.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "crisis_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("message_id", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("layer", sa.String(32), nullable=True),
        sa.Column("phrase", sa.String(255), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("message_text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("conversation_id", "message_id", "kind"),
    )
    op.create_index("ix_crisis_events_conversation_id", "crisis_events", ["conversation_id"])
    op.create_index("ix_crisis_events_created_at", "crisis_events", ["created_at"])
    op.create_table(
        "safety_plans",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("conversation_id", sa.String(255), nullable=False, unique=True),
        sa.Column("warning_signs", sa.Text(), nullable=True),
        sa.Column("coping", sa.Text(), nullable=True),
        sa.Column("distractions", sa.Text(), nullable=True),
        sa.Column("people", sa.Text(), nullable=True),
        sa.Column("professionals", sa.Text(), nullable=True),
        sa.Column("environment", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("safety_plans")
    op.drop_index("ix_crisis_events_created_at", "crisis_events")
    op.drop_index("ix_crisis_events_conversation_id", "crisis_events")
    op.drop_table("crisis_events")
