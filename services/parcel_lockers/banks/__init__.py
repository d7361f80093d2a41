"""Locker banks and their compartments: registration, service state, availability."""
