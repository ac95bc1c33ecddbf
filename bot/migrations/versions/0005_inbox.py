"""The information team: answers given and their rating, inbox items, NLU exports.

Revision ID: 0005_inbox
Revises: 0004_ticket_next_call
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0005_inbox"
down_revision = "0004_ticket_next_call"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def _when(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(43), nullable=False),
        _when("created_at", nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("fiche_id", sa.String(64), nullable=False),
        sa.Column("topic", sa.String(32)),
        sa.Column("intent", sa.String(64)),
        sa.Column("confidence", sa.Float()),
        sa.Column("question", sa.Text()),
        sa.Column("context", JSON, nullable=False),
        sa.Column("helpful", sa.Boolean()),
        sa.Column("comment", sa.Text()),
        _when("rated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_answers"),
        sa.UniqueConstraint("token", name="uq_answers_token"),
    )
    op.create_index("ix_answers_created_at", "answers", ["created_at"])
    op.create_table(
        "nlu_exports",
        sa.Column("id", sa.Integer(), nullable=False),
        _when("created_at", nullable=False),
        sa.Column("path", sa.String(255), nullable=False),
        sa.Column("examples", sa.Integer(), nullable=False),
        sa.Column("exported_by", sa.String(64)),
        sa.PrimaryKeyConstraint("id", name="pk_nlu_exports"),
    )
    op.create_table(
        "inbox_items",
        sa.Column("id", sa.Integer(), nullable=False),
        _when("created_at", nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("group_key", sa.String(200), nullable=False),
        sa.Column("intent", sa.String(64)),
        sa.Column("confidence", sa.Float()),
        sa.Column("fiche_id", sa.String(64)),
        sa.Column("context", JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16)),
        sa.Column("target", sa.String(120)),
        sa.Column("qualified_by", sa.String(64)),
        _when("qualified_at"),
        sa.Column("export_id", sa.Integer()),
        sa.PrimaryKeyConstraint("id", name="pk_inbox_items"),
        sa.ForeignKeyConstraint(
            ["export_id"],
            ["nlu_exports.id"],
            name="fk_inbox_items_export_id_nlu_exports",
            ondelete="SET NULL",
        ),
    )
    op.create_index("ix_inbox_items_status_group", "inbox_items", ["status", "group_key"])
    op.create_index("ix_inbox_items_created_at", "inbox_items", ["created_at"])


def downgrade() -> None:
    op.drop_table("inbox_items")
    op.drop_table("nlu_exports")
    op.drop_table("answers")
