"""What every test run shares, whichever folder its tests are in (kernel/, services/, gateway/, tests/)."""

pytest_plugins = ["testkit.fixtures"]
