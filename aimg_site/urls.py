"""URL routes. Documented endpoints sit at the root with no trailing slash;
each app lists its own in ``<app>/urls.py`` with ``aimg_site.api.views.endpoint``."""

from importlib import import_module

from django.contrib import admin
from django.urls import Resolver404, URLPattern, URLResolver, path, re_path
from django.urls.resolvers import RoutePattern

from aimg_site.api.docs import SIDECAR_ROUTE, DocsView, SchemaView, sidecar_asset
from aimg_site.api.handlers import unknown_path
from aimg_site.api.health import HealthApi
from aimg_site.api.views import endpoint


def _routes_of(module) -> list:
    """The routes of ``module`` and of every module it includes at ``""``, in order, as one list.

    Django tries a resolver's routes in turn, and an include with no match
    answers by raising ``Resolver404`` (with the list of what it tried): with
    each app behind two levels of includes, that was most of resolving a
    request, several percent of a cheap endpoint's CPU. The flat list resolves
    the same paths, in the same order, by pattern matches alone.
    """
    routes = []
    for route in (import_module(module) if isinstance(module, str) else module).urlpatterns:
        plain_include = isinstance(route, URLResolver) and str(route.pattern) == "" and not route.namespace
        if plain_include and (
            isinstance(route.urlconf_name, str) or hasattr(route.urlconf_name, "urlpatterns")
        ):
            routes += _routes_of(route.urlconf_name)
        else:
            routes.append(route)
    return routes


class _ExactPathsFirst(URLResolver):
    """The routes below, where a path that is exactly one route's is found by one dict lookup.

    Django tries routes in turn, one regular expression each: with some 120
    routes, resolving a documented endpoint was a few percent of a cheap
    request's CPU. Every route without converters (``path("getItem", ...)``)
    is also kept in a dict by its path, unless a route listed before it would
    match that path too (then the ordered scan decides, as it always did).
    Anything else (converters, regular expressions, the console, the catch-all)
    is resolved by the ordered scan of Django's ``URLResolver``.
    """

    def __init__(self, routes: list):
        super().__init__(RoutePattern(""), routes)
        self._exact: dict[str, URLPattern] = {}
        earlier: list = []
        for route in routes:
            static = (
                isinstance(route, URLPattern)
                and isinstance(route.pattern, RoutePattern)
                and not route.pattern.converters
            )
            if static:
                key = str(route.pattern)
                if key not in self._exact and not any(_matches(other, key) for other in earlier):
                    self._exact[key] = route
            else:
                earlier.append(route)

    def resolve(self, path):
        route = self._exact.get(path)
        if route is not None:
            match = route.resolve(path)
            if match is not None:
                return match
        return super().resolve(path)


def _matches(route, path: str) -> bool:
    try:
        return bool(route.resolve(path))
    except Resolver404:
        return False


_routes = [
    endpoint(HealthApi),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    path("api/docs/", DocsView.as_view(url_name="schema"), name="swagger-ui"),
    re_path(SIDECAR_ROUTE, sidecar_asset, name="swagger-ui-asset"),
    path("console/", admin.site.urls),
    # First of the apps: getFile is the hottest route (an <img> per file), resolved in list order.
    *_routes_of("aimg_site.technical.urls"),
    *_routes_of("accounts.urls"),
    *_routes_of("library.urls"),
    *_routes_of("moderation.urls"),
    *_routes_of("billing.urls"),
    *_routes_of("generation.urls"),
    *_routes_of("generation.workflows.urls"),
    *_routes_of("integrations.urls"),
    # The studio page at / and its files (a 404 envelope unless DEBUG or AIMG_STUDIO).
    *_routes_of("aimg_site.studio.urls"),
    # Last: anything else is a 404 envelope, with DEBUG on too.
    re_path(r"^.*$", unknown_path),
]
urlpatterns = [_ExactPathsFirst(_routes)]

handler400 = "aimg_site.api.handlers.bad_request"
handler403 = "aimg_site.api.handlers.permission_denied"
handler404 = "aimg_site.api.handlers.not_found"
handler500 = "aimg_site.api.handlers.server_error"
