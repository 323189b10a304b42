"""Test-only endpoints exercising the shared layer (used with @pytest.mark.urls)."""

import logging

from django.urls import include, path, re_path
from rest_framework import serializers

from aimg_site.api import exceptions as errors
from aimg_site.api.envelope import ok
from aimg_site.api.errors import ErrorCode
from aimg_site.api.fields import BoolParam, CommaListField, UUIDListField
from aimg_site.api.handlers import unknown_path
from aimg_site.api.parsers import FormParser, JSONParser
from aimg_site.api.ratelimit import hit, register
from aimg_site.api.views import AdminPolicy, ApiView, SessionPolicy, endpoint

register("test-limit", "3/minute", "Slow down, test.")

ERRORS = {
    "bad": errors.BadRequest("Something is off."),
    "param": errors.InvalidParameter("imageID", "must be a valid UUID"),
    "unauth": errors.NotAuthenticated(),
    "forbidden": errors.Forbidden(),
    "missing": errors.NotFound("No such item."),
    "conflict": errors.Conflict("Already there.", error_code=ErrorCode.LIBRARY_PENDING_APPROVAL_LIMIT),
    "big": errors.PayloadTooLarge(),
    "slow": errors.RateLimited(retry_after=7),
}


class EchoInput(serializers.Serializer):
    flag = BoolParam(required=False)
    ids = UUIDListField(required=False, max_items=3)
    count = serializers.IntegerField(required=False, min_value=1, max_value=10)


class EchoApi(ApiView):
    operation_id = "testEcho"
    # Declares form parsing like the OAuth start does; every other view takes JSON only.
    parser_classes = (JSONParser, FormParser)

    query_serializer = EchoInput
    body_serializer = EchoInput

    def get(self, request):
        data = self.input()
        user = self.identity.user
        return ok(
            {
                "data": {k: (list(map(str, v)) if k == "ids" else v) for k, v in data.items()},
                "user": str(user.id) if user else None,
                "isAdmin": self.identity.is_admin,
            }
        )

    def post(self, request):
        return self.get(request)


class WireInput(serializers.Serializer):
    """One field of each kind, DRF's own among them (the wire rules apply to all)."""

    text = serializers.CharField(required=False, max_length=20)
    note = serializers.CharField(required=False, allow_blank=True, max_length=20)
    number = serializers.IntegerField(required=False, min_value=-5, max_value=1000)
    ratio = serializers.FloatField(required=False)
    id = serializers.UUIDField(required=False)
    kind = serializers.ChoiceField(choices=["a", "b"], required=False)
    flag = BoolParam(required=False)
    plain = serializers.BooleanField(required=False)
    words = CommaListField(required=False, max_items=3)


class WireApi(ApiView):
    operation_id = "testWire"
    session_policy = SessionPolicy.NONE
    query_serializer = WireInput
    body_serializer = WireInput

    def get(self, request):
        return ok({key: str(value) if key == "id" else value for key, value in self.input().items()})

    def post(self, request):
        return self.get(request)


class FailApi(ApiView):
    operation_id = "testFail"
    session_policy = SessionPolicy.NONE

    def get(self, request):
        kind = request.query_params.get("kind", "")
        if kind in ERRORS:
            raise ERRORS[kind]
        logging.getLogger("aimg.test").warning("about to fail")
        raise RuntimeError("secret internal detail")


class CreateSessionApi(ApiView):
    operation_id = "testCreateSession"
    session_policy = SessionPolicy.CREATE

    def get(self, request):
        return ok({"sessionID": str(self.identity.session_key)})


class AdminOnlyApi(ApiView):
    operation_id = "testAdminOnly"
    admin_policy = AdminPolicy.REQUIRED

    def get(self, request):
        return ok({"admin": self.identity.admin_key.user.email})


class AdminOptionalApi(ApiView):
    operation_id = "testAdminOptional"
    admin_policy = AdminPolicy.OPTIONAL

    def get(self, request):
        return ok({"isAdmin": self.identity.is_admin})


class GuestOwnerApi(ApiView):
    operation_id = "testOwner"

    def post(self, request):
        user = self.identity.owner()
        return ok({"userID": str(user.id), "isGuest": user.is_guest})


class LimitedApi(ApiView):
    operation_id = "testLimited"
    rate_limits = ("test-limit",)

    def get(self, request):
        hit("test-limit", key=self.identity.client_address or "?")
        return ok(True)


class DomainUsersApi(ApiView):
    operation_id = "testDomainUsers"
    session_policy = SessionPolicy.NONE

    def get(self, request):
        from accounts.models import User

        return ok(sorted(u.email for u in User.objects.filter(email__isnull=False)))


def plain_django_view(request):
    raise RuntimeError("a fault outside DRF")


urlpatterns = [
    path("plainBoom", plain_django_view),
    endpoint(EchoApi),
    endpoint(WireApi),
    endpoint(FailApi),
    endpoint(CreateSessionApi),
    endpoint(AdminOnlyApi),
    endpoint(AdminOptionalApi),
    endpoint(GuestOwnerApi),
    endpoint(LimitedApi),
    endpoint(DomainUsersApi),
    path("", include("aimg_site.urls")),
    re_path(r"^.*$", unknown_path),
]

from aimg_site.urls import handler400, handler403, handler404, handler500  # noqa: E402,F401
