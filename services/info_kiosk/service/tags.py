"""What the hot reads show, within a station: a commit that changes one of these marks it, and
every replica's cached answers under it go."""

from __future__ import annotations

POINTS_OF_INTEREST = "points-of-interest"
VEHICLE_AVAILABILITY = "vehicle-availability"
GRAPH = "graph"
LIVE = "live"
DEPARTURES = "departures"
