"""URL routes. Documented endpoints sit at the root with no trailing slash;
each app lists its own in ``<app>/urls.py`` with ``aimg_site.api.views.endpoint``."""

from importlib import import_module

from django.contrib import admin
from django.urls import URLResolver, path, re_path

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


urlpatterns = [
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

handler400 = "aimg_site.api.handlers.bad_request"
handler403 = "aimg_site.api.handlers.permission_denied"
handler404 = "aimg_site.api.handlers.not_found"
handler500 = "aimg_site.api.handlers.server_error"
