"""info_kiosk's rules, without I/O, one module per concern: languages, the directory of points of
interest, the live panels, the station graph (graph_rules), routing, routes and search."""
