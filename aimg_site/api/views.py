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

Declarations the layer acts on (each optional; leaving one out keeps the view's own code in charge):

- ``respond(instance_or_data, metadata=None, context=None)`` serializes with the declared
  ``output_serializer`` (``many`` when ``output_many`` or ``paginated``) and wraps the envelope;
  ``ok()`` stays for payloads that are not the declared serializer's shape.
- ``caller``: who may call, checked before the handler runs.
  ``Caller.SIGNED_IN``: anonymous sessions and guests get a 401; ``self.caller_user`` is the user.
  ``Caller.USER_OR_GUEST``: ``self.caller_user`` is the session's user; for an anonymous session it
  is a guest user made on its first use in a call of ``guest_methods`` (POST/DELETE unless the view
  says otherwise), so the handler's own checks of the input run before a guest is made, and
  ``None`` on other calls. This is the one place a guest is made for a request, and guest making
  is limited per client address: the schema documents its 429 for those methods.
  ``Caller.ANYONE`` (and ``None``, the default): no check; ``self.caller_user`` is the session's
  user or ``None``.
- ``audit_action``: when the call is an Admin's (``admin_policy`` REQUIRED, or OPTIONAL with a valid
  key) and succeeds, the layer writes one audit-log row with this action. The view names the
  target and details with ``self.audit(target, **details)`` (which only records them). Services
  still take an ``actor`` for management commands; views never call ``audit_log_record``.
- ``rate_limits``: names of limits. A ``Limit(name, by=LimitKey.ADDRESS | LimitKey.USER)`` is hit
  by the layer before the handler runs (keyed by the client address or the caller's user);
  a plain name, or ``Limit(name, by=LimitKey.REQUEST_DATA)``, is applied by the service (its key,
  e.g. an email, is in the request data). Either kind documents the 429.
"""

from __future__ import annotations

import enum
import threading
from dataclasses import dataclass
from typing import Any

from django.urls import path
from rest_framework import exceptions, serializers
from rest_framework.views import APIView

from aimg_site.core.services import audit_log_record

from .authentication import AdminPolicy, RequestIdentity, SessionPolicy
from .envelope import ok
from .exceptions import InvalidParameter
from .fields import wire_data
from .ratelimit import hit

__all__ = ["AdminPolicy", "ApiView", "Caller", "Limit", "LimitKey", "SessionPolicy", "endpoint"]


class Caller(enum.Enum):
    """Who may call an endpoint (``ApiView.caller``), enforced before the handler runs."""

    ANYONE = "anyone"
    USER_OR_GUEST = "user_or_guest"  # a guest user is made on demand for writes
    SIGNED_IN = "signed_in"  # anonymous sessions and guests: 401


class LimitKey(enum.Enum):
    """What a declared rate limit counts by."""

    ADDRESS = "address"  # the client address: hit by the layer
    USER = "user"  # the caller's user (or the session when there is none): hit by the layer
    REQUEST_DATA = "request_data"  # e.g. an email in the body: hit by the service


@dataclass(frozen=True)
class Limit:
    """A declared rate limit: a name in ``ratelimit.LIMITS`` and what it counts by."""

    name: str
    by: LimitKey = LimitKey.REQUEST_DATA


_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


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
    #: Rate limits this endpoint applies: ``Limit`` declarations (the layer hits those keyed by
    #: address or user) or plain names of ``aimg_site.api.ratelimit.LIMITS`` (applied by services).
    rate_limits: tuple[str | Limit, ...] = ()
    #: Who may call; ``None`` leaves the check to the view (see the module docstring).
    caller: Caller | None = None
    #: The methods whose calls make an anonymous caller's guest (``Caller.USER_OR_GUEST``).
    guest_methods: frozenset[str] = _WRITE_METHODS
    _caller_user: Any = None
    #: The audit-log action the layer writes when an Admin's call succeeds ("" = none).
    audit_action: str = ""
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
        self._audit: tuple[Any, dict] | None = None
        self._caller_user = None
        self._caller_user = self._resolve_caller()
        self._hit_declared_limits()

    def _resolve_caller(self):
        identity = self.identity
        if self.caller is Caller.SIGNED_IN:
            return identity.require_signed_in()
        return identity.user

    @property
    def caller_user(self):
        """Who calls (see ``caller``): for ``Caller.USER_OR_GUEST``, an anonymous caller's guest is made
        here, on first use in a call of ``guest_methods``."""
        if (
            self._caller_user is None
            and self.caller is Caller.USER_OR_GUEST
            and self.request.method in self.guest_methods
        ):
            self._caller_user = self.identity.owner()
        return self._caller_user

    def _hit_declared_limits(self) -> None:
        for limit in self.declared_limits():
            if limit.by is LimitKey.ADDRESS:
                hit(limit.name, key=self.identity.client_address or "unknown")
            elif limit.by is LimitKey.USER:
                user = self.caller_user
                key = f"user:{user.pk}" if user is not None else f"session:{self.identity.session_key}"
                hit(limit.name, key=key)

    @classmethod
    def declared_limits(cls) -> list[Limit]:
        """``rate_limits`` as ``Limit`` declarations (plain names are applied by services)."""
        return [item if isinstance(item, Limit) else Limit(item) for item in cls.rate_limits]

    @classmethod
    def rate_limit_names(cls) -> list[str]:
        return [limit.name for limit in cls.declared_limits()]

    def respond(self, instance_or_data: Any, *, metadata: dict | None = None, context: dict | None = None):
        """The envelope around ``instance_or_data`` serialized with the declared ``output_serializer``."""
        serializer_class = self.output_serializer
        assert isinstance(serializer_class, type), f"{type(self).__name__} declares no output serializer"
        many = self.output_many or self.paginated
        serializer = serializer_class(
            instance_or_data, many=many, context={"request": self.request, "view": self, **(context or {})}
        )
        return ok(serializer.data, metadata=metadata)

    def audit(self, target: Any = None, **details) -> None:
        """Name the target and details of the audit row the layer writes on success."""
        self._audit = (target, details)

    @property
    def is_admin_call(self) -> bool:
        identity = getattr(self.request, "_auth", None)
        return isinstance(identity, RequestIdentity) and identity.is_admin

    def _write_audit(self, response) -> None:
        if not self.audit_action or not self.is_admin_call or response.status_code >= 400:
            return
        if getattr(self, "_audit_written", False):
            return
        target, details = getattr(self, "_audit", None) or (None, {})
        self._audit_written = True
        audit_log_record(request=self.request, action=self.audit_action, target=target, details=details)

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
        full_context = {"request": self.request, "view": self, **(context or {})}
        if data is self.request.query_params:
            serializer = _query_serializer(serializer_class, data, full_context)
        else:
            serializer = serializer_class(data=data, context=full_context)
        # The wire rules of aimg_site.api.fields, for every declared field alike.
        try:
            serializer.initial_data = wire_data(serializer.fields, data)
            serializer.is_valid(raise_exception=True)
            return serializer.validated_data
        finally:
            if data is self.request.query_params:  # a reused instance holds no request between calls
                _query_serializer_release(serializer)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        self._write_audit(response)
        # ``_auth`` (not ``auth``): reading ``auth`` would re-run a failed authentication.
        identity = getattr(request, "_auth", None)
        if isinstance(identity, RequestIdentity):
            new_key = identity.response_session_key or (
                identity.session_key if identity.issued_session_key else None
            )
            if new_key is not None:
                response["X-Session-ID"] = str(new_key)
        return response


_reused = threading.local()


def _query_serializer(serializer_class, data, context: dict):
    """A query serializer of ``serializer_class`` for this request: this thread's instance of it,
    reset, so its fields are built once per thread rather than deep-copied on every request
    (DRF copies every declared field per instance: most of the cost of reading a query string).
    Only the instance's per-call state changes (data, context, results); its bound fields read
    the context through it, and no query field keeps state of its own between calls."""
    instances = _reused.__dict__.setdefault("query_serializers", {})
    serializer = instances.get(serializer_class)
    if serializer is None:
        serializer = instances[serializer_class] = serializer_class(data=data, context=context)
        return serializer
    serializer._context = context
    serializer.initial_data = data
    return serializer


def _query_serializer_release(serializer) -> None:
    serializer._context = {}
    for name in ("_validated_data", "_errors", "_data", "initial_data"):
        serializer.__dict__.pop(name, None)


def endpoint(view_class: type[ApiView]):
    """The URL pattern of a documented endpoint: at the root, no trailing slash."""
    route = view_class.url_path or view_class.operation_id
    return path(route, view_class.as_view(), name=view_class.operation_id)
