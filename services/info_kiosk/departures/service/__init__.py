"""Use cases of live departures, one module per concern: the sources and their configuration, the
rules, the disruptions, the departures read, and the ingest (one pull of a source)."""
