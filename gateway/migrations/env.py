from alembic import context

from gateway.models import Base
from kernel.migrations import run_migrations

run_migrations(context, Base.metadata)
