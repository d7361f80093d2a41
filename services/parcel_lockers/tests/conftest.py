"""The in-process station of test_parcels (SQLite, nats-server, redis-server), for every test file here."""

from services.parcel_lockers.tests.test_parcels import redis_server, station  # noqa: F401
