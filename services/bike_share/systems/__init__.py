"""Systems: operators' vehicle-sharing systems, shared by every station, and their ingested feeds."""
