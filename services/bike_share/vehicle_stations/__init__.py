"""Vehicle stations of one station: docks, car-sharing spots, charging points, and their status."""
