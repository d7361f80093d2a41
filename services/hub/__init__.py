"""The hub's network view: every station's GBFS feeds in one manifest, and an operator overview."""

from kernel.registry import Component

# Not a station component (kernel/registry.py): it runs once, at the centre.
HUB = Component("hub", 8090)
