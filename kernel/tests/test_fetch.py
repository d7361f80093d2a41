"""The guarded fetcher's rules, without the network: which addresses are public, what the
allow-list accepts."""

from __future__ import annotations

import ipaddress

import pytest

from kernel.fetch import address_refusal, parse_allow_entry

NOT_PUBLIC = [
    "127.0.0.1", "127.255.0.9", "0.0.0.0", "10.0.0.1", "172.16.5.4", "192.168.0.1", "169.254.169.254",
    "100.64.0.1", "224.0.0.251", "240.0.0.1", "255.255.255.255", "198.18.0.1", "192.0.2.1",
    "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1", "ff0e::1", "2001:db8::1",
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::a9fe:a9fe", "2002:c0a8:0101::1",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo, client 192.0.2.45
]  # fmt: skip
PUBLIC = ["8.8.8.8", "93.184.215.14", "2606:4700::6810:84e5", "::ffff:8.8.8.8", "2002:0808:0808::1"]


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_addresses_that_are_not_public_have_a_reason(address):
    assert address_refusal(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass(address):
    assert address_refusal(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    ("entry", "address", "port", "permitted"),
    [
        ("127.0.0.1:8911", "127.0.0.1", 8911, True),
        ("127.0.0.1:8911", "127.0.0.1", 6379, False),
        ("127.0.0.1", "127.0.0.1", 6379, True),
        ("10.20.0.0/16", "10.20.3.4", 80, True),
        ("10.20.0.0/16", "10.21.0.1", 80, False),
        ("[::1]:8911", "::1", 8911, True),
        ("fd00::/8", "fd12::1", 443, True),
    ],
)
def test_an_allow_entry_names_addresses_and_maybe_a_port(entry, address, port, permitted):
    assert parse_allow_entry(entry).permits(ipaddress.ip_address(address), port) is permitted


@pytest.mark.parametrize("entry", ["localhost:8911", "127.0.0.1:0", "127.0.0.1:99999", "[::1]x", "*"])
def test_an_allow_entry_that_is_not_an_address_is_refused_at_start(entry):
    with pytest.raises(ValueError):
        parse_allow_entry(entry)
