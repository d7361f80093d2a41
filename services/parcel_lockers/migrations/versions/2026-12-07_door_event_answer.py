"""door events keep their first answer

Revision ID: 7c1e5a9d2b40
Revises: 3ab7dd0bd7c2
Create Date: 2026-12-07 14:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7c1e5a9d2b40"
down_revision: str | None = "3ab7dd0bd7c2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("door_event", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("outcome", sa.String(length=12), nullable=False, server_default="applied")
        )
        batch_op.add_column(sa.Column("detail", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("door_event", schema=None) as batch_op:
        batch_op.drop_column("detail")
        batch_op.drop_column("outcome")
