from alembic import context

from services.common.migrations import run_migrations
from services.signage.models import Base

run_migrations(context, Base.metadata)
