"""Parcels: deposit, collection, return, sending from the locker."""
