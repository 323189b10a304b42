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
