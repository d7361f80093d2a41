"""What a station publishes: GBFS 3.0 files, and what can be taken nearby."""
