"""The process's one TLS context for outgoing HTTPS: httpx would build one per client, loading the
system's certificate authorities each time (~10 ms of CPU, paid at every start of a service, a
fetcher and a notifier)."""

from __future__ import annotations

import ssl
from functools import cache


@cache
def verified_context() -> ssl.SSLContext:
    """Certificates verified against the system's authorities, host names checked (httpx's default)."""
    return ssl.create_default_context()
