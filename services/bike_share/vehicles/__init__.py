"""Free-floating vehicles near one station."""
