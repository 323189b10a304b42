"""The sign-in endpoints: one view per documented operation (see the reference's "User Management")."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes

from accounts.users.api import self_user_data
from accounts.users.serializers import SelfUserOutput
from aimg_site.api.envelope import ok
from aimg_site.api.views import ApiView, SessionPolicy

from . import services
from .passwords import password_generate
from .serializers import AuthenticateUserInput, CreateUserInput, RequestOTPInput, SuccessMessageOutput


class CreateUserApi(ApiView):
    """Creates a User from an email and an OTP and/or a password, and signs them in on a new session id
    (returned in ``payload.sessionID`` and the ``X-Session-ID`` header). What the previous guest session
    made moves to the new account."""

    operation_id = "createUser"
    session_policy = SessionPolicy.CREATE
    body_serializer = CreateUserInput
    output_serializer = SelfUserOutput
    errors = (401, 403, 409)
    rate_limits = ("sign-in-address", "otp-check-email-address")

    def post(self, request):
        data = self.input()
        identity = self.identity
        user, new_key = services.user_sign_up(
            email=data["email"],
            password=data.get("password") or None,
            otp=data.get("otp") or None,
            username=data.get("username", ""),
            is_at_least_18_confirmed=data.get("isAtLeast18Confirmed"),
            ref_list=data.get("refList", []),
            rs=data.get("rs", ""),
            old_session_key=identity.session_key,
            client_address=identity.client_address,
            user_agent=identity.user_agent,
        )
        identity.response_session_key = new_key
        return ok(self_user_data(user, new_key))


class AuthenticateUserApi(ApiView):
    """Signs a User in with an OTP or a password (at least one). A valid OTP for an email that is not
    registered creates the account. The session id is rotated (new id in ``payload.sessionID`` and
    ``X-Session-ID``)."""

    operation_id = "authenticateUser"
    body_serializer = AuthenticateUserInput
    output_serializer = SelfUserOutput
    errors = (401, 403)
    rate_limits = ("sign-in-address", "otp-check-email-address", "password-check-email-address")

    def post(self, request):
        data = self.input()
        identity = self.identity
        user, new_key = services.user_authenticate(
            email=data["email"],
            password=data.get("password") or None,
            otp=data.get("otp") or None,
            is_at_least_18_confirmed=data.get("isAtLeast18Confirmed"),
            old_session_key=identity.session_key,
            client_address=identity.client_address,
            user_agent=identity.user_agent,
        )
        identity.response_session_key = new_key
        return ok(self_user_data(user, new_key))


class SignOutUserApi(ApiView):
    """Ends the current session (and deletes stored OAuth tokens of the provider it was opened with)."""

    operation_id = "signOutUser"
    output_serializer = SuccessMessageOutput

    def post(self, request):
        ended = services.user_sign_out(session_key=self.identity.session_key)
        message = "You are signed out." if ended else "There was no session to sign out of."
        return ok(SuccessMessageOutput({"success": ended, "message": message}).data)


class RequestOTPApi(ApiView):
    """Emails a 6-digit one-time password (valid 24 hours, single use) and a magic link to the address."""

    operation_id = "requestOTP"
    body_serializer = RequestOTPInput
    output_serializer = SuccessMessageOutput
    errors = (403, 409)
    rate_limits = ("otp-send-email", "otp-send-address")

    def post(self, request):
        data = self.input()
        email = services.otp_request(
            email=data["email"],
            sign_up=bool(data.get("signUp")),
            client_address=self.identity.client_address,
        )
        return ok(
            SuccessMessageOutput(
                {"success": True, "message": f"We sent a code to {email}. It is valid for 24 hours."}
            ).data
        )


class GenerateStrongPasswordApi(ApiView):
    """A random password that satisfies the password rule (a helper for front ends)."""

    operation_id = "generateStrongPassword"
    output_serializer = OpenApiTypes.STR

    def get(self, request):
        return ok(password_generate())
