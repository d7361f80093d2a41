"""info_kiosk's use cases, one module per concern: load, ask the domain, write, stage the event,
mark what changed."""
