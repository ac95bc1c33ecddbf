"""Fiche versions published from the console: who, when, the unified diff of the YAML.

Revision ID: 0006_fiche_versions
Revises: 0005_inbox
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_fiche_versions"
down_revision = "0005_inbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fiche_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fiche_id", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("diff", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_fiche_versions"),
    )
    op.create_index("ix_fiche_versions_fiche_id", "fiche_versions", ["fiche_id", "created_at"])


def downgrade() -> None:
    op.drop_table("fiche_versions")
