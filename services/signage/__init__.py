"""signage: the station's screens and the content they rotate (messages, artworks, live widgets)."""
