"""drf-spectacular glue: every ``ApiView`` documents itself from its attributes.

The 200 response is the envelope around ``output_serializer`` (plus
``metadata`` when ``paginated``); each error status the endpoint can answer
is the error envelope. ``X-Session-ID`` and ``X-Administration-Key`` are
apiKey security schemes, and each operation lists the ones its policies need
(``security_requirements``), so Swagger UI's "Authorize" fills them in for
every operation at once.

Request schemas say exactly what ``aimg_site.api.fields`` accepts, so that a
client generated from them agrees with the server: lists are a JSON array or a
comma-separated string in a body and only the comma-separated string in a query
(``explode``d arrays would be repeated parameters, which are refused), text
fields carry the patterns of DRF's own checks (no NUL; not only whitespace when
trimmed and not blank), UUIDs the canonical pattern.
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent, append_meta
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema_field
from rest_framework import serializers

from .authentication import ADMIN_HEADER, SESSION_HEADER, AdminPolicy, SessionPolicy
from .fields import NO_NUL_PATTERN, NOT_BLANK_PATTERN, CommaListField
from .pagination import PaginationMetadataOutput
from .params import UUID_PATTERN
from .views import Caller

_ERROR_TEXT = {
    400: "Bad input; the message names the parameter.",
    401: "No signed-in user.",
    403: "Not allowed (for admin endpoints: no valid X-Administration-Key).",
    404: "Unknown resource (another user's private resource looks the same).",
    405: "Wrong method.",
    409: "Conflict with an existing resource.",
    413: "Request body too large.",
    414: "The request line is longer than any valid request (gunicorn.conf.py's limit).",
    415: "The body's Content-Type is not one this endpoint accepts (JSON).",
    429: "Rate or concurrency limit; see the Retry-After header.",
    503: "Temporarily unavailable.",
}


@extend_schema_field({"type": "object", "nullable": True, "description": "Always null on errors."})
class _NullField(serializers.Field):
    pass


class ErrorEnvelope(serializers.Serializer):
    """The envelope of every error response."""

    hasError = serializers.BooleanField(help_text="Always true.")
    payload = _NullField(allow_null=True)
    errorMessage = serializers.CharField()
    errorCode = serializers.IntegerField(required=False)


_envelopes: dict[str, type[serializers.Serializer]] = {}
_UUID_SCHEMA = {"type": "string", "format": "uuid", "pattern": f"^{UUID_PATTERN}$"}


def _payload_field(view) -> serializers.Field:
    output = view.output_serializer
    many = view.paginated or getattr(view, "output_many", False)
    if output is None:
        field_class = extend_schema_field({"nullable": True})(type("_AnyField", (serializers.Field,), {}))
        return field_class(allow_null=True)
    if isinstance(output, type) and issubclass(output, serializers.BaseSerializer):
        return output(many=many)
    if isinstance(output, serializers.Field):
        return output
    # An OpenApiTypes member or a raw schema dict.
    schema = output
    if many:
        schema = {"type": "array", "items": output if isinstance(output, dict) else {"type": "string"}}
    field_class = extend_schema_field(schema)(type("_SchemaField", (serializers.Field,), {}))
    return field_class()


def envelope_serializer(view) -> type[serializers.Serializer]:
    """The success envelope of ``view``, one component per operation (cached)."""
    op = view.operation_id
    name = op[:1].upper() + op[1:] + "Response"
    if name not in _envelopes:
        fields = {
            "hasError": serializers.BooleanField(help_text="Always false."),
            "payload": _payload_field(view),
        }
        if view.paginated:
            fields["metadata"] = PaginationMetadataOutput()
        attrs: dict = {**fields, "Meta": type("Meta", (), {"ref_name": name})}
        _envelopes[name] = type(name, (serializers.Serializer,), attrs)
    return _envelopes[name]


def error_statuses(view, method: str) -> list[int]:
    codes = set(getattr(view, "errors", ()))
    if getattr(view, "session_policy", SessionPolicy.REQUIRED) is not SessionPolicy.NONE:
        codes.add(400)
    if view.query_serializer is not None or view.body_serializer is not None:
        codes.add(400)
    if getattr(view, "admin_policy", AdminPolicy.NONE) is not AdminPolicy.NONE:
        codes.add(403)
    if method in ("POST", "PUT", "PATCH"):
        codes.update({400, 413, 415})
    if (method in ("GET", "DELETE") and view.query_serializer is not None) or "<" in (view.url_path or ""):
        # Parameters longer than the schema allows can make the line longer than the server takes.
        codes.add(414)
    if getattr(view, "rate_limits", ()):
        codes.add(429)
    if getattr(view, "caller", None) is Caller.SIGNED_IN:
        codes.add(401)  # anonymous sessions and guests
    if getattr(view, "caller", None) is Caller.USER_OR_GUEST and method in view.guest_methods:
        # The layer makes an anonymous caller's guest user (ApiView.caller_user), and guest making
        # is limited per client address ("guest-create-address").
        codes.add(429)
    return sorted(codes)


SESSION_SCHEME = "SessionID"
ADMIN_SCHEME = "AdministrationKey"

#: The two headers as OpenAPI security schemes (components.securitySchemes).
SECURITY_SCHEMES: dict[str, dict] = {
    SESSION_SCHEME: {
        "type": "apiKey",
        "in": "header",
        "name": SESSION_HEADER,
        "description": (
            "The session id, a UUID the front end makes up (e.g. `crypto.randomUUID()`): a new one is "
            "an anonymous session. Sign-in answers a new id (payload.sessionID and the X-Session-ID "
            "response header); use it from then on. Operations that list this scheme alongside an "
            "empty requirement create a session when the header is missing."
        ),
    },
    ADMIN_SCHEME: {
        "type": "apiKey",
        "in": "header",
        "name": ADMIN_HEADER,
        "description": (
            "A personal administration key (`manage.py create_admin_key`). Admin-only operations "
            "answer 403 without a valid one; others give Admins more when it is sent."
        ),
    },
}

_SESSION_OPTIONS: dict[SessionPolicy, tuple[dict[str, list], ...]] = {
    SessionPolicy.REQUIRED: ({SESSION_SCHEME: []},),
    SessionPolicy.CREATE: ({SESSION_SCHEME: []}, {}),
    SessionPolicy.NONE: ({},),
}
_ADMIN_OPTIONS: dict[AdminPolicy, tuple[dict[str, list], ...]] = {
    AdminPolicy.REQUIRED: ({ADMIN_SCHEME: []},),
    AdminPolicy.OPTIONAL: ({ADMIN_SCHEME: []}, {}),
    AdminPolicy.NONE: ({},),
}


def security_requirements(session_policy: SessionPolicy, admin_policy: AdminPolicy) -> list[dict]:
    """The operation's ``security``: the alternatives its policies accept, fullest first.

    OpenAPI reads the list as "any of", each entry as "all of", and ``{}`` as "no
    credentials": a required session is ``[{SessionID}]``; an optional admin key
    adds the entry with the key before the one without. No credentials at all is ``[]``.
    """
    alternatives = [
        {**session, **admin}
        for session in _SESSION_OPTIONS[session_policy]
        for admin in _ADMIN_OPTIONS[admin_policy]
    ]
    return [] if alternatives == [{}] else alternatives


class EnvelopeAutoSchema(AutoSchema):
    """Reads ``ApiView`` attributes; falls back to drf-spectacular's defaults for other views."""

    def _is_api_view(self) -> bool:
        return bool(getattr(self.view, "operation_id", ""))

    def get_operation_id(self):
        return self.view.operation_id if self._is_api_view() else super().get_operation_id()

    def get_tags(self):
        if self._is_api_view() and self.view.tags:
            return list(self.view.tags)
        module = type(self.view).__module__.split(".")[0]
        return [module if module != "aimg_site" else "technical"]

    def get_auth(self):
        if not self._is_api_view():
            return super().get_auth()
        for name, definition in SECURITY_SCHEMES.items():
            self.registry.register_on_missing(
                ResolvedComponent(
                    name=name, type=ResolvedComponent.SECURITY_SCHEMA, object=name, schema=definition
                )
            )
        return security_requirements(self.view.session_policy, self.view.admin_policy)

    def get_summary(self):
        return getattr(self.view, "summary", None) or None

    def get_override_parameters(self):
        if not self._is_api_view():
            return super().get_override_parameters()
        # X-Session-ID and X-Administration-Key are security schemes (get_auth), not parameters.
        parameters: list = []
        if self.method in ("GET", "DELETE") and self.view.query_serializer is not None:
            parameters.append(self.view.query_serializer)
        return parameters

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        if isinstance(field, CommaListField):
            return append_meta(field.json_schema(), self._get_serializer_field_meta(field, direction))
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if direction == "request" and isinstance(schema, dict) and not schema.get("readOnly"):
            _document_wire_rules(field, schema)
        return schema

    def _process_override_parameters(self, direction="request"):
        parameters = super()._process_override_parameters(direction)
        query = self.view.query_serializer if self._is_api_view() else None
        if query is None:
            return parameters
        fields = query().fields
        for (name, location), parameter in parameters.items():
            field = fields.get(name)
            if location == OpenApiParameter.QUERY and parameter and isinstance(field, CommaListField):
                # A query string carries the comma-separated form only; never empty (fields.wire_data).
                parameter["schema"] = {**field.text_schema(), "minLength": 1}
        return parameters

    def get_request_serializer(self):
        if not self._is_api_view():
            return super().get_request_serializer()
        if self.method in ("GET", "DELETE"):
            return None
        return self.view.body_serializer

    def get_response_serializers(self):
        if not self._is_api_view():
            return super().get_response_serializers()
        responses: dict = {200: envelope_serializer(self.view)}
        for code in error_statuses(self.view, self.method):
            responses[code] = OpenApiResponse(ErrorEnvelope, description=_ERROR_TEXT.get(code, ""))
        return responses


def _document_wire_rules(field: serializers.Field, schema: dict) -> None:
    """Add to a request field's schema the checks DRF's own field makes (see the module docstring)."""
    if "$ref" in schema or "enum" in schema or "pattern" in schema:
        return
    if any(isinstance(validator, RegexValidator) for validator in field.validators):
        return  # the field's own pattern (a RegexField's) is documented by drf-spectacular, and wins
    if isinstance(field, serializers.UUIDField):
        schema["pattern"] = f"^{UUID_PATTERN}$"
    elif isinstance(field, serializers.CharField) and "format" not in schema:
        trims_to_blank = field.trim_whitespace and not field.allow_blank
        schema["pattern"] = NOT_BLANK_PATTERN if trims_to_blank else NO_NUL_PATTERN
