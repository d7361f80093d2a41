"""info_kiosk's declarative base: one metadata for every table of the service, whichever package
declares it (`models.py`, `departures/models.py`)."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from kernel.bus_tables import new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()
