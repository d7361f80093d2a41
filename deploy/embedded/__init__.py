"""The embedded station stack: every process of one station on this machine (`./dev up`, the tests)."""
