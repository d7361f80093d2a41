"""Shared kernel of every station service: settings, db, auth, bus, errors, observability."""
