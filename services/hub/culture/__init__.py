"""Culture across the network, at the hub: exhibitions curated by the territory's culture team, their
tour of the stations, and their reach (docs/culture.md)."""
