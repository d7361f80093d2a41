"""feed-owned vehicle stations and vehicles

Revision ID: 7d41f0c2a9b3
Revises: cfdbc67a6d45
Create Date: 2026-12-07 14:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7d41f0c2a9b3"
down_revision: str | None = "cfdbc67a6d45"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("vehicle_station", "vehicle"):
        op.add_column(table, sa.Column("from_feed", sa.Boolean(), server_default=sa.false(), nullable=False))
        # Until now a fed system's rows all came from its feed.
        op.execute(
            f"UPDATE {table} SET from_feed = TRUE "
            "WHERE system_id IN (SELECT id FROM system WHERE feed_url IS NOT NULL)"
        )


def downgrade() -> None:
    for table in ("vehicle_station", "vehicle"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("from_feed")
