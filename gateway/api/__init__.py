"""The gateway's own routes, one module per entity: the OAuth 2.0 authorization server (`oauth`),
the caller's sign-ins (`sessions`), a station's devices (`devices`), staff accounts (`accounts`) and
the development inbox (`development`). Routes stay thin: `gateway.grants`, `gateway.sessions`,
`gateway.devices` and `gateway.accounts` do the work."""

from gateway.api import accounts, development, devices, oauth, sessions

ROUTERS = (oauth.router, sessions.router, devices.router, accounts.router)
# Only where the notifier is the development inbox.
DEVELOPMENT_ROUTER = development.router
