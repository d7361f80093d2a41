from alembic import context

from kernel.migrations import run_migrations
from services.signage.exhibitions import models as exhibitions  # noqa: F401  # its tables
from services.signage.models import Base

run_migrations(context, Base.metadata)
