"""The shared TLS context: one per process, and it verifies what httpx's default would."""

import ssl

from kernel.fetch import GuardedFetcher
from kernel.tls import verified_context


def test_every_client_shares_one_context_that_verifies_certificates_and_host_names():
    context = verified_context()
    assert context is verified_context()
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname


async def test_a_fetcher_uses_the_shared_context():
    fetcher = GuardedFetcher(allow=[])
    try:
        pool = fetcher.http._transport._pool  # type: ignore[attr-defined]
        assert pool._ssl_context is verified_context()
    finally:
        await fetcher.aclose()
