"""The client address: X-Forwarded-For only from trusted proxies, rightmost untrusted hop."""

import ipaddress

import pytest

from aimg_site.api.clientip import client_address


@pytest.fixture
def trust(settings):
    def set_trusted(*cidrs):
        settings.AIMG_TRUSTED_PROXIES = [ipaddress.ip_network(c) for c in cidrs]

    return set_trusted


def make(rf, peer, xff=None):
    extra = {"REMOTE_ADDR": peer}
    if xff is not None:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    return rf.get("/", **extra)


def test_without_trusted_proxies_it_is_the_peer(rf, trust):
    trust()
    assert client_address(make(rf, "203.0.113.9", "1.2.3.4")) == "203.0.113.9"


def test_a_trusted_proxy_passes_on_the_rightmost_untrusted_address(rf, trust):
    trust("10.0.0.0/8")
    assert client_address(make(rf, "10.0.0.2", "6.6.6.6, 198.51.100.7, 10.0.0.5")) == "198.51.100.7"


def test_an_untrusted_peer_cannot_spoof_the_header(rf, trust):
    trust("10.0.0.0/8")
    assert client_address(make(rf, "198.51.100.1", "10.0.0.9")) == "198.51.100.1"


def test_a_malformed_hop_stops_the_chain(rf, trust):
    trust("10.0.0.0/8")
    assert client_address(make(rf, "10.0.0.2", "1.1.1.1, garbage")) == "10.0.0.2"


def test_ipv6_peers_work(rf, trust):
    trust("::1/128")
    assert client_address(make(rf, "::1", "2001:db8::5")) == "2001:db8::5"


def test_worked_out_addresses_are_kept_per_peer_and_chain_and_forgotten_when_the_proxies_change(rf, trust):
    from aimg_site.api import clientip

    trust("10.0.0.0/8")
    assert client_address(make(rf, "10.0.0.2", "198.51.100.7")) == "198.51.100.7"
    assert clientip._memo[1][("10.0.0.2", "198.51.100.7")] == "198.51.100.7"
    assert client_address(make(rf, "10.0.0.2", "198.51.100.8")) == "198.51.100.8"  # keyed by the chain too
    trust()  # no proxy trusted any more: the same request is the peer's now
    assert client_address(make(rf, "10.0.0.2", "198.51.100.7")) == "10.0.0.2"
    assert ("10.0.0.2", "198.51.100.8") not in clientip._memo[1]


def test_the_kept_addresses_are_bounded(rf, trust, monkeypatch):
    from aimg_site.api import clientip

    trust("10.0.0.0/8")
    monkeypatch.setattr(clientip, "MEMO_MAX_ENTRIES", 3)
    for n in range(10):
        assert client_address(make(rf, "10.0.0.2", f"198.51.100.{n}")) == f"198.51.100.{n}"
        assert len(clientip._memo[1]) <= 3
    long_chain = ", ".join(["198.51.100.1"] * 100)
    assert client_address(make(rf, "10.0.0.2", long_chain)) == "198.51.100.1"
    assert ("10.0.0.2", long_chain) not in clientip._memo[1]  # worked out, not kept
