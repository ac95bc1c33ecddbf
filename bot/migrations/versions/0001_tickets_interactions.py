"""Tickets (callback requests) and interactions (anonymous conversation statistics).

Revision ID: 0001_tickets_interactions
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001_tickets_interactions"
down_revision = None
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def _when(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(32), nullable=False),
        sa.Column("idempotency_key", sa.String(128), nullable=False),
        _when("created_at", nullable=False),
        _when("updated_at", nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("topic", sa.String(32)),
        sa.Column("intent", sa.String(64)),
        sa.Column("confidence", sa.Float()),
        sa.Column("fiche_id", sa.String(64)),
        sa.Column("entities", JSON, nullable=False),
        sa.Column("citizen_name", sa.String(80)),
        sa.Column("phone", sa.String(16)),
        sa.Column("commune", sa.String(64)),
        _when("callback_slot_start"),
        _when("callback_slot_end"),
        sa.Column("callback_slot_label", sa.String(80)),
        _when("consent_at"),
        sa.Column("reason", sa.Text()),
        sa.Column("transcript", JSON, nullable=False),
        sa.Column("priority", sa.String(8), nullable=False),
        _when("due_at", nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("assignee", sa.String(64)),
        sa.Column("outcome", sa.Text()),
        _when("closed_at"),
        _when("personal_data_purged_at"),
        sa.PrimaryKeyConstraint("id", name="pk_tickets"),
        sa.UniqueConstraint("reference", name="uq_tickets_reference"),
        sa.UniqueConstraint("idempotency_key", name="uq_tickets_idempotency_key"),
    )
    op.create_index("ix_tickets_queue", "tickets", ["status", "priority", "due_at"])
    op.create_index("ix_tickets_phone", "tickets", ["phone"])
    op.create_index("ix_tickets_closed_at", "tickets", ["closed_at"])

    op.create_table(
        "interactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_key", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("topic", sa.String(32)),
        sa.Column("intent", sa.String(64)),
        sa.Column("fiche_id", sa.String(64)),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("commune", sa.String(64)),
        _when("started_at", nullable=False),
        _when("updated_at", nullable=False),
        sa.Column("turns", sa.Integer(), nullable=False),
        sa.Column("ticket_reference", sa.String(32)),
        sa.PrimaryKeyConstraint("id", name="pk_interactions"),
        sa.UniqueConstraint("conversation_key", name="uq_interactions_conversation_key"),
    )
    op.create_index("ix_interactions_started_at", "interactions", ["started_at"])


def downgrade() -> None:
    op.drop_table("interactions")
    op.drop_table("tickets")
