"""sessions_and_pairing: refresh-token families, device bindings, paired devices without a secret

Revision ID: 0960b62d9609
Revises: 84c6172f8797
Create Date: 2026-11-26 13:02:15.754400
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kernel.db

revision: str = "0960b62d9609"
down_revision: str | None = "84c6172f8797"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "auth_session",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.String(length=150), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=True),
        sa.Column("client_id", sa.String(length=100), nullable=True),
        sa.Column("phone_number", sa.String(length=20), nullable=True),
        sa.Column("scope", sa.String(length=500), nullable=False),
        sa.Column("user_agent", sa.String(length=200), nullable=True),
        sa.Column("created_at", kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", kernel.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_session")),
    )
    with op.batch_alter_table("auth_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auth_session_client_id"), ["client_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_auth_session_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_auth_session_subject"), ["subject"], unique=False)
        batch_op.create_index(batch_op.f("ix_auth_session_username"), ["username"], unique=False)

    op.create_table(
        "refresh_token",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("issued_at", kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("spent_at", kernel.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["auth_session.id"],
            name=op.f("fk_refresh_token_session_id_auth_session"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_refresh_token")),
    )
    with op.batch_alter_table("refresh_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_refresh_token_session_id"), ["session_id"], unique=False)

    with op.batch_alter_table("device_client", schema=None) as batch_op:
        batch_op.add_column(sa.Column("binding", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("label", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("paired_by", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("disabled_at", kernel.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.alter_column("secret_hash", existing_type=sa.VARCHAR(length=200), nullable=True)
        batch_op.create_index(
            "ix_device_client_station_kind_binding", ["station_id", "kind", "binding"], unique=False
        )


def downgrade() -> None:
    # Paired devices have no secret; the older schema cannot hold them.
    op.execute("DELETE FROM device_client WHERE secret_hash IS NULL")
    with op.batch_alter_table("device_client", schema=None) as batch_op:
        batch_op.drop_index("ix_device_client_station_kind_binding")
        batch_op.alter_column("secret_hash", existing_type=sa.VARCHAR(length=200), nullable=False)
        batch_op.drop_column("disabled_at")
        batch_op.drop_column("paired_by")
        batch_op.drop_column("label")
        batch_op.drop_column("binding")

    with op.batch_alter_table("refresh_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_refresh_token_session_id"))

    op.drop_table("refresh_token")
    with op.batch_alter_table("auth_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auth_session_username"))
        batch_op.drop_index(batch_op.f("ix_auth_session_subject"))
        batch_op.drop_index(batch_op.f("ix_auth_session_expires_at"))
        batch_op.drop_index(batch_op.f("ix_auth_session_client_id"))

    op.drop_table("auth_session")
