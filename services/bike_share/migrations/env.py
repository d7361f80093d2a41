from alembic import context

from services.bike_share.models import Base
from services.common.migrations import run_migrations

run_migrations(context, Base.metadata)
