"""bike_share: live availability of shared bikes and other vehicles near the station (GBFS)."""
