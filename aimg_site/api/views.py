"""``ApiView``: the base of one view class per documented endpoint.

A view declares what the shared layer needs and does three things: parse
input, call one service or selector, serialize output::

    class GetItemApi(ApiView):
        operation_id = "getItem"              # the documented name = the path
        query_serializer = GetItemQuery       # GET/DELETE: query; POST: body_serializer
        output_serializer = ImageOutput       # documents payload (wrapped in the envelope)
        errors = (404,)                       # statuses beyond the automatic ones

        def get(self, request):
            data = self.input()
            item = item_get_for_viewer(viewer=self.identity.user, item_id=data["imageID"])
            return ok(ImageOutput(item).data)

Authentication (``session_policy``, ``admin_policy``), the error envelope,
domain scoping (the bound domain) and the OpenAPI entry come from here.
"""

from __future__ import annotations

from typing import Any

from django.urls import path
from rest_framework import exceptions, serializers
from rest_framework.views import APIView

from .authentication import AdminPolicy, RequestIdentity, SessionPolicy
from .exceptions import InvalidParameter
from .fields import wire_data

__all__ = ["AdminPolicy", "ApiView", "SessionPolicy", "endpoint"]


class ApiView(APIView):
    operation_id: str = ""
    #: URL path when it is not the operation id (e.g. ``"2/getUserSession"``).
    url_path: str | None = None
    session_policy = SessionPolicy.REQUIRED
    admin_policy = AdminPolicy.NONE
    query_serializer: type[serializers.BaseSerializer] | None = None
    body_serializer: type[serializers.BaseSerializer] | None = None
    #: A serializer class, or a raw schema (dict / OpenApiTypes) for payloads that are not objects.
    output_serializer: Any = None
    output_many = False
    #: True when the payload is a list and the envelope carries ``metadata``.
    paginated = False
    #: Extra error statuses this endpoint answers (400/403/413/429 are added automatically).
    errors: tuple[int, ...] = ()
    #: Names of rate limits (``aimg_site.api.ratelimit.LIMITS``) this endpoint applies.
    rate_limits: tuple[str, ...] = ()
    #: Short text for the OpenAPI summary; the docstring becomes the description.
    summary: str = ""
    tags: tuple[str, ...] = ()

    @property
    def identity(self) -> RequestIdentity:
        identity = self.request.auth
        assert isinstance(identity, RequestIdentity), "SessionHeaderAuthentication did not run"
        return identity

    def initial(self, request, *args, **kwargs):
        # A method the view does not declare is a 405 before anything else: DRF would authenticate
        # first, so that TRACE on an admin endpoint answered 403 without a key.
        if not hasattr(self, request.method.lower()) or request.method.lower() not in self.http_method_names:
            raise exceptions.MethodNotAllowed(request.method)
        super().initial(request, *args, **kwargs)

    def input(self, serializer_class=None, *, context: dict | None = None) -> dict:
        """Validate the query (GET/DELETE) or JSON body (POST) and return the validated data."""
        data: Any
        if self.request.method in ("GET", "DELETE", "HEAD"):
            serializer_class = serializer_class or self.query_serializer
            data = self.request.query_params
        else:
            serializer_class = serializer_class or self.body_serializer
            data = self.request.data
            if data is None or data == "":
                data = {}
            if not hasattr(data, "get"):
                raise InvalidParameter("body", "must be a JSON object")
        if serializer_class is None:
            return {}
        serializer = serializer_class(
            data=data, context={"request": self.request, "view": self, **(context or {})}
        )
        # The wire rules of aimg_site.api.fields, for every declared field alike.
        serializer.initial_data = wire_data(serializer.fields, data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # ``_auth`` (not ``auth``): reading ``auth`` would re-run a failed authentication.
        identity = getattr(request, "_auth", None)
        if isinstance(identity, RequestIdentity):
            new_key = identity.response_session_key or (
                identity.session_key if identity.issued_session_key else None
            )
            if new_key is not None:
                response["X-Session-ID"] = str(new_key)
        return response


def endpoint(view_class: type[ApiView]):
    """The URL pattern of a documented endpoint: at the root, no trailing slash."""
    route = view_class.url_path or view_class.operation_id
    return path(route, view_class.as_view(), name=view_class.operation_id)
