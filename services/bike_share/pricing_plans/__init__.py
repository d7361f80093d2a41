"""Pricing plans of a system, shared by every station."""
