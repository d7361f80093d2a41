from alembic import context

from kernel.migrations import run_migrations
from services.signage.models import Base

run_migrations(context, Base.metadata)
