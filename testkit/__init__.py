"""The test kit: what the tests share (a service under test, the whole station stack, tokens, waiting
on eventual state). Nothing in production imports it (the import contracts in pyproject.toml say so)."""
