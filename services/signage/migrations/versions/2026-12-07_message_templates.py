"""message templates

Revision ID: 9e1f4c2a7b30
Revises: 31884cddd9dc
Create Date: 2026-12-07 22:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9e1f4c2a7b30"
down_revision: str | None = "31884cddd9dc"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("content_item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("template", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("content_item", schema=None) as batch_op:
        batch_op.drop_column("template")
