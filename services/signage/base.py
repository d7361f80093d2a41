"""signage's declarative base: one metadata for every table of the service, whichever package declares
it (`models.py`, `agenda/models.py`, `exhibitions/models.py`)."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import DeclarativeBase

from kernel.bus_tables import new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()


def new_id() -> str:
    return uuid.uuid4().hex
