"""info_kiosk: wayfinding in the station, nearby services and live mobility for the kiosk and apps."""
