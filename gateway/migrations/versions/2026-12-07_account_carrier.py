"""account_carrier: a courier account belongs to a carrier

Revision ID: 5d2f8e1a9c37
Revises: 0960b62d9609
Create Date: 2026-12-07 14:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5d2f8e1a9c37"
down_revision: str | None = "0960b62d9609"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("carrier", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_column("carrier")
