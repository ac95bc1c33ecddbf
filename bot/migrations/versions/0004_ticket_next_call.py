"""Tickets: the next call planned by an agent (« rappeler à… »).

Revision ID: 0004_ticket_next_call
Revises: 0003_token_scopes
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_ticket_next_call"
down_revision = "0003_token_scopes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("next_call_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("next_call_at")
