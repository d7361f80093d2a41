"""bike_share's use cases, one module per entity: load, check with the domain's rules, store, and
stage the events in the same transaction. `shared` holds what every entity's writes need."""
