"""Vehicle types of a system, shared by every station."""
