"""API tokens: scopes (read, write) and an expiry.

Revision ID: 0003_token_scopes
Revises: 0002_accounts_audit
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_token_scopes"
down_revision = "0002_accounts_audit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Tokens made before scopes existed could do everything: they keep both, and expire.
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(
            sa.Column("scopes", sa.String(32), nullable=False, server_default="read write")
        )
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("expires_at")
        batch.drop_column("scopes")
