"""Expiry, reminders and doors left open: the periodic sweep."""
