"""Simulators of the station's devices (screen player, locker controller, mobility feed) for the demo and tests."""
