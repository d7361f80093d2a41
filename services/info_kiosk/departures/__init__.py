"""Live departures and disruptions: the station's real-time sources (SIRI Lite, GTFS-Realtime), their
ingest, the departures read model served as a hot read and over SSE, and the disruptions the station's
rules place on screens."""
