"""Test-only endpoints for the declarations ``ApiView`` acts on (used with @pytest.mark.urls)."""

from django.urls import include, path
from rest_framework import serializers

from accounts.models import User
from aimg_site.api import exceptions as errors
from aimg_site.api.envelope import ok
from aimg_site.api.ratelimit import register
from aimg_site.api.views import AdminPolicy, ApiView, Caller, Limit, LimitKey, endpoint

register("test-declared-address", "2/minute", "Slow down, address.")
register("test-declared-user", "2/minute", "Slow down, user.")


class CallerOutput(serializers.Serializer):
    userID = serializers.CharField(allow_null=True)
    isGuest = serializers.BooleanField()


def caller_payload(user) -> dict:
    return {"userID": str(user.pk) if user else None, "isGuest": bool(user and user.is_guest)}


class SignedInApi(ApiView):
    operation_id = "testSignedIn"
    caller = Caller.SIGNED_IN
    output_serializer = CallerOutput

    def get(self, request):
        return self.respond(caller_payload(self.caller_user))


class UserOrGuestApi(ApiView):
    operation_id = "testUserOrGuest"
    caller = Caller.USER_OR_GUEST
    output_serializer = CallerOutput

    def get(self, request):
        return self.respond(caller_payload(self.caller_user))

    def post(self, request):
        return self.respond(caller_payload(self.caller_user))


class GuestLaterApi(ApiView):
    """Checks its input before it reads ``caller_user``: a refused call makes no guest."""

    operation_id = "testGuestLater"
    caller = Caller.USER_OR_GUEST
    output_serializer = CallerOutput

    def post(self, request):
        if request.data.get("refuse"):
            raise errors.InvalidParameter("refuse", "must be false")
        return self.respond(caller_payload(self.caller_user))


class GuestOnReadApi(ApiView):
    """A read that may record something on a guest (as getSelfUser's age confirmation)."""

    operation_id = "testGuestOnRead"
    caller = Caller.USER_OR_GUEST
    guest_methods = frozenset({"GET"})
    output_serializer = CallerOutput

    def get(self, request):
        return self.respond(caller_payload(self.caller_user if request.query_params.get("make") else None))


class ManyApi(ApiView):
    operation_id = "testMany"
    caller = Caller.ANYONE
    output_serializer = CallerOutput
    paginated = True

    def get(self, request):
        return self.respond([caller_payload(None)], metadata={"paginationIndex": 1})


class AuditedApi(ApiView):
    operation_id = "testAudited"
    admin_policy = AdminPolicy.OPTIONAL
    errors = (409,)
    audit_action = "testAudited"

    def post(self, request):
        target = User.objects.order_by("pk").first()
        self.audit(target, note="done")
        if request.data.get("fail"):
            raise errors.Conflict("Not this time.")
        return ok({"done": True})


class DeclaredLimitsApi(ApiView):
    operation_id = "testDeclaredLimits"
    rate_limits = (
        Limit("test-declared-address", by=LimitKey.ADDRESS),
        Limit("test-declared-user", by=LimitKey.USER),
        Limit("test-limit", by=LimitKey.REQUEST_DATA),  # the service's: never hit by the layer
    )

    def get(self, request):
        return ok({"ran": True})


urlpatterns = [
    endpoint(SignedInApi),
    endpoint(UserOrGuestApi),
    endpoint(GuestLaterApi),
    endpoint(GuestOnReadApi),
    endpoint(ManyApi),
    endpoint(AuditedApi),
    endpoint(DeclaredLimitsApi),
    path("", include("tests.platform.urls")),
]
