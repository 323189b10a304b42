"""ingestLogs."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema

from aimg_site.api import ratelimit
from aimg_site.api.authentication import ADMIN_HEADER, SESSION_HEADER
from aimg_site.api.exceptions import InvalidParameter
from aimg_site.api.schema import ADMIN_SCHEME, SESSION_SCHEME
from aimg_site.api.views import AdminPolicy, ApiView, Caller, Limit, LimitKey, SessionPolicy
from aimg_site.core.scoping import current_domain

from . import selectors, services
from .serializers import IngestLogsInput, IngestLogsOutput

ratelimit.register("ingest-logs-address", "120/minute", "Too many log requests from this address.")
ratelimit.register("ingest-logs-session", "60/minute", "Too many log requests from this session.")


class IngestLogsApi(ApiView):
    """Front-end log entries, each written as one structured JSON log line (nothing is stored).

    Needs an ``X-Session-ID`` or, instead, a valid ``X-Administration-Key``. Each line carries the
    service name, the request's ``X-Request-ID`` (send the one of the API answer the entry is about),
    a digest of the session, the user and the domain. At most 100 entries a call; limited per
    session and per client address.
    """

    operation_id = "ingestLogs"
    session_policy = SessionPolicy.REQUIRED
    admin_policy = AdminPolicy.OPTIONAL
    caller = Caller.ANYONE
    body_serializer = IngestLogsInput
    output_serializer = IngestLogsOutput
    rate_limits = (Limit("ingest-logs-address", by=LimitKey.ADDRESS), "ingest-logs-session")
    tags = ("technical",)

    def initial(self, request, *args, **kwargs):
        meta = request._request.META if hasattr(request, "_request") else request.META
        if meta.get("HTTP_" + ADMIN_HEADER.upper().replace("-", "_")) and not meta.get(
            "HTTP_" + SESSION_HEADER.upper().replace("-", "_")
        ):
            # The reference: the session header is mandatory only when no admin key is sent.
            self.session_policy = SessionPolicy.NONE
        super().initial(request, *args, **kwargs)

    @extend_schema(auth=[{SESSION_SCHEME: []}, {ADMIN_SCHEME: []}])  # type: ignore[list-item]
    def post(self, request):
        identity = self.identity
        if identity.session_key is None and not identity.is_admin:  # pragma: no cover - identify() refuses
            raise InvalidParameter(SESSION_HEADER, "header is required")
        limit_key = (
            f"session:{identity.session_key}" if identity.session_key else f"admin:{identity.admin_key.pk}"  # type: ignore[union-attr]
        )
        ratelimit.hit("ingest-logs-session", key=limit_key)
        data = self.input()
        domain = current_domain()
        user = identity.user
        services.logs_ingest(
            entries=list(data["logs"]),
            service_name=data.get("serviceName") or selectors.service_name_for_domain(domain),
            session_key=identity.session_key,
            user_id=user.pk if user is not None else None,
            domain_name=domain.name,
        )
        return self.respond({"success": True})
