from alembic import context

from kernel.migrations import run_migrations
from services.bike_share.models import Base

run_migrations(context, Base.metadata)
