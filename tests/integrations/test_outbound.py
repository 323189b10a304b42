"""The shared outbound client's SSRF rules, against real servers on loopback."""

from __future__ import annotations

import gzip
import socket
import time

import pytest

from integrations.outbound import (
    OutboundBlocked,
    OutboundClient,
    OutboundRedirect,
    OutboundTooLarge,
    OutboundUnavailable,
    address_is_public,
)

from .servers import ToyServer, running


def answer(status=200, body=b"hello", headers=None, delay=0.0, drip=None):
    def route(handler):
        if delay:
            time.sleep(delay)
        handler.send_response(status)
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        if drip is None:
            handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if drip is None:
            handler.wfile.write(body)
            return
        count, pause = drip
        for _ in range(count):
            handler.wfile.write(b"x")
            handler.wfile.flush()
            time.sleep(pause)

    return route


@pytest.fixture
def toy():
    server = ToyServer()
    with running(server.server):
        yield server


def resolver_to(*addresses, calls=None):
    def resolve(host, port, *args, **kwargs):
        if calls is not None:
            calls.append(host)
        answers = addresses if not callable(addresses[0]) else addresses[0](len(calls or []))
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in answers
        ]

    return resolve


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:4700::1111", True),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("127.0.0.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("100.64.0.1", False),  # carrier-grade NAT
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("::ffff:127.0.0.1", False),  # IPv4-mapped loopback
        ("::ffff:10.0.0.1", False),
        ("not an address", False),
    ],
)
def test_only_globally_routable_unicast_addresses_count_as_public(address, public):
    assert address_is_public(address) is public


def test_it_answers_from_a_loopback_server_when_loopback_http_is_allowed(toy):
    toy.routes["/ok"] = answer(body=b'{"a": 1}', headers={"Content-Type": "application/json"})
    response = OutboundClient(allow_loopback_http=True).request("GET", toy.url("/ok"))
    assert response.status == 200 and response.json() == {"a": 1}


def test_it_refuses_plain_http_unless_the_test_setting_allows_loopback(toy):
    toy.routes["/ok"] = answer()
    with pytest.raises(OutboundBlocked, match="Only https"):
        OutboundClient(allow_loopback_http=False).request("GET", toy.url("/ok"))
    assert toy.hits == []


@pytest.mark.parametrize("url", ["ftp://example.com/x", "file:///etc/passwd", "gopher://x/", "//no-scheme/x"])
def test_it_refuses_other_schemes(url):
    with pytest.raises(OutboundBlocked):
        OutboundClient(allow_loopback_http=True).request("GET", url)


def test_it_refuses_urls_with_credentials_in_them(toy):
    with pytest.raises(OutboundBlocked, match="credentials"):
        OutboundClient(allow_loopback_http=True).request("GET", f"http://u:p@127.0.0.1:{toy.port}/ok")


def test_plain_http_reaches_loopback_only_even_when_allowed():
    # A name resolving to a private address over http: refused before connecting.
    client = OutboundClient(allow_loopback_http=True, resolver=resolver_to("10.0.0.7"))
    with pytest.raises(OutboundBlocked, match=r"10\.0\.0\.7"):
        client.request("GET", "http://internal.test/")


@pytest.mark.parametrize(
    "address", ["10.0.0.5", "192.168.0.10", "169.254.169.254", "127.0.0.1", "::1", "fd00::5"]
)
def test_https_to_a_name_resolving_to_a_private_address_is_refused(address, toy):
    calls: list = []
    client = OutboundClient(allow_loopback_http=False, resolver=resolver_to(address, calls=calls))
    with pytest.raises(OutboundBlocked, match="may not be reached"):
        client.request("GET", f"https://metadata.test:{toy.port}/latest/meta-data/")
    assert calls == ["metadata.test"] and toy.hits == []


def test_https_to_a_private_ip_literal_is_refused(toy):
    with pytest.raises(OutboundBlocked):
        OutboundClient(allow_loopback_http=False).request("GET", f"https://127.0.0.1:{toy.port}/ok")
    assert toy.hits == []


def test_one_private_answer_among_public_ones_is_enough_to_refuse(toy):
    client = OutboundClient(resolver=resolver_to("93.184.216.34", "127.0.0.1"), allow_loopback_http=False)
    with pytest.raises(OutboundBlocked):
        client.request("GET", f"https://mixed.test:{toy.port}/ok")
    assert toy.hits == []


def test_dns_rebinding_cannot_slip_a_private_address_in_after_the_check(toy):
    """The name answers a public address first and loopback afterwards: the client resolves once
    and connects to the address it checked, so the loopback server is never reached."""
    toy.routes["/secret"] = answer(body=b"internal data")
    calls: list = []

    def flip(n):
        return ("198.51.100.7",) if n <= 1 else ("127.0.0.1",)

    client = OutboundClient(
        resolver=resolver_to(flip, calls=calls), allow_loopback_http=False, connect_timeout=0.3
    )
    # 198.51.100.7 (TEST-NET-2) is not public either: the check refuses it outright.
    with pytest.raises(OutboundBlocked):
        client.request("GET", f"https://rebind.test:{toy.port}/secret")

    def flip_public(n):
        return ("93.184.216.34",) if n <= 1 else ("127.0.0.1",)

    calls.clear()
    client = OutboundClient(
        resolver=resolver_to(flip_public, calls=calls), allow_loopback_http=False, connect_timeout=0.3
    )
    with pytest.raises(OutboundUnavailable):  # the checked public address has no server for us
        client.request("GET", f"https://rebind.test:{toy.port}/secret")
    assert calls == ["rebind.test"]  # resolved exactly once: no second answer is ever used
    assert toy.hits == []


def test_redirects_are_never_followed(toy):
    toy.routes["/go"] = answer(status=302, body=b"", headers={"Location": toy.url("/target")})
    toy.routes["/target"] = answer(body=b"followed")
    with pytest.raises(OutboundRedirect) as caught:
        OutboundClient(allow_loopback_http=True).request("GET", toy.url("/go"))
    assert caught.value.status == 302
    assert toy.hits == ["/go"]


def test_an_answer_declared_larger_than_the_cap_is_refused(toy):
    toy.routes["/big"] = answer(body=b"x" * 5000)
    with pytest.raises(OutboundTooLarge):
        OutboundClient(allow_loopback_http=True, max_bytes=1000).request("GET", toy.url("/big"))


def test_an_undeclared_answer_is_cut_off_at_the_cap(toy):
    toy.routes["/stream"] = answer(drip=(3000, 0), headers={"Connection": "close"})
    with pytest.raises(OutboundTooLarge):
        OutboundClient(allow_loopback_http=True, max_bytes=1000).request("GET", toy.url("/stream"))


def test_a_compressed_answer_is_capped_on_its_decompressed_size(toy):
    bomb = gzip.compress(b"\0" * 2_000_000)
    toy.routes["/bomb"] = answer(body=bomb, headers={"Content-Encoding": "gzip"})
    assert len(bomb) < 10_000
    with pytest.raises(OutboundTooLarge):
        OutboundClient(allow_loopback_http=True, max_bytes=100_000).request("GET", toy.url("/bomb"))


def test_a_slow_server_hits_the_read_timeout(toy):
    toy.routes["/slow"] = answer(delay=1.5)
    with pytest.raises(OutboundUnavailable):
        OutboundClient(allow_loopback_http=True, read_timeout=0.3).request("GET", toy.url("/slow"))


def test_a_trickling_answer_hits_the_total_time_cap(toy):
    toy.routes["/drip"] = answer(drip=(40, 0.05), headers={"Connection": "close"})
    started = time.monotonic()
    with pytest.raises(OutboundUnavailable, match="longer than"):
        OutboundClient(allow_loopback_http=True, total_seconds=0.5, read_timeout=5).request(
            "GET", toy.url("/drip")
        )
    assert time.monotonic() - started < 2


def test_a_closed_port_is_a_network_error(toy):
    port = toy.port
    toy.server.server_close()
    with pytest.raises(OutboundUnavailable):
        OutboundClient(allow_loopback_http=True, connect_timeout=0.5).request(
            "GET", f"http://127.0.0.1:{port}/x"
        )
