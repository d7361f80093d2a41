"""Event payloads shared between services: the one place a publisher and its consumers agree on."""
