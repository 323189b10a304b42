"""The root URLconf's exact-path lookup resolves every path as Django's ordered scan would."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, resolve
from django.urls.resolvers import RegexPattern, RoutePattern

from aimg_site import urls as root_urls
from aimg_site.urls import _ExactPathsFirst


def _scan(path: str):
    """What Django's own resolver (routes tried in order) makes of ``path``."""
    return URLResolver(RegexPattern(r"^/"), root_urls._routes).resolve(path)


def _static_paths() -> list[str]:
    return [
        "/" + str(route.pattern)
        for route in root_urls._routes
        if isinstance(route, URLPattern)
        and isinstance(route.pattern, RoutePattern)
        and not route.pattern.converters
    ]


def test_most_routes_are_found_by_the_lookup():
    # Every documented endpoint is a plain path: the lookup, not the scan, finds them.
    resolver = root_urls.urlpatterns[0]
    assert isinstance(resolver, _ExactPathsFirst)
    assert {"getItem", "getSelfUser", "getMyCreations", "generateImage", "health"} <= set(resolver._exact)
    assert len(resolver._exact) >= 90


@pytest.mark.parametrize(
    "path",
    [
        *_static_paths(),
        "/console/",
        "/console/login/",
        "/getItem/",
        "/getitem",
        "/",
        "/no/such/path",
        "/media/items/a.png",
        "/api/docs/",
    ],
)
def test_every_path_resolves_as_the_ordered_scan_does(path):
    fast, slow = resolve(path), _scan(path)
    assert (fast.func, fast.url_name, fast.route, fast.kwargs) == (
        slow.func,
        slow.url_name,
        slow.route,
        slow.kwargs,
    )
    assert fast.namespaces == slow.namespaces


def test_a_path_an_earlier_pattern_matches_is_left_to_the_scan():
    def first(request):
        return None

    def shadowed(request):
        return None

    def plain(request):
        return None

    resolver = _ExactPathsFirst(
        [
            URLPattern(RegexPattern(r"^get"), first),
            URLPattern(RoutePattern("getThing", is_endpoint=True), shadowed),
            URLPattern(RoutePattern("other", is_endpoint=True), plain),
        ]
    )
    assert set(resolver._exact) == {"other"}
    assert resolver.resolve("getThing").func is first
    assert resolver.resolve("other").func is plain
