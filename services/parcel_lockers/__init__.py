"""parcel_lockers: the station's locker banks and compartments, where couriers deposit and travellers collect."""
