from alembic import context

from gateway.models import Base
from services.common.migrations import run_migrations

run_migrations(context, Base.metadata)
