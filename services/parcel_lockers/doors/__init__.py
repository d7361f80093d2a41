"""Doors: the command to a bank's controller, its journal of door events, the codes typed at the bank."""
