"""The accounts endpoints: one view per documented operation (see the reference's "User Management")."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes

from aimg_site.api.envelope import ok
from aimg_site.api.exceptions import Forbidden, InvalidParameter
from aimg_site.api.views import AdminPolicy, ApiView, SessionPolicy
from aimg_site.core.services import audit_log_record
from billing.entitlements import user_tier

from . import selectors, services
from .passwords import password_generate
from .serializers import (
    AbuseLevelOutput,
    AccountsSuccessOutput,
    AdditionalInformationOutput,
    AuthenticateUserInput,
    CreateUserInput,
    DeleteUserQuery,
    GetSelfUserQuery,
    GetUserQuery,
    GetUserSessionOutput,
    KVPKeyQuery,
    KVPOutput,
    ProfilePictureBannedOutput,
    ProfilePictureOutput,
    RequestOTPInput,
    SelfUserOutput,
    SetProfilePictureBannedInput,
    SetSelfUserProfilePictureInput,
    SetSelfUserPropertiesInput,
    SetUserAbuseLevelInput,
    SetUserAdditionalInformationInput,
    SetUserKVPInput,
    SuccessMessageOutput,
    UserOutput,
)


def _self_user(user, session_key, **options) -> dict:
    return SelfUserOutput(selectors.self_user_payload(user=user, session_key=session_key, **options)).data


def _admin_target(data: dict):
    user_id, email = data.get("userID") or None, data.get("email") or None
    if not user_id and not email:
        raise InvalidParameter("userID", "or 'email' must be provided")
    return selectors.user_get_for_admin(user_id=user_id, email=email)


class CreateUserApi(ApiView):
    """Creates a User from an email and an OTP and/or a password, and signs them in on a new session id
    (returned in ``payload.sessionID`` and the ``X-Session-ID`` header). What the previous guest session
    made moves to the new account."""

    operation_id = "createUser"
    session_policy = SessionPolicy.CREATE
    body_serializer = CreateUserInput
    output_serializer = SelfUserOutput
    errors = (401, 403, 409)
    rate_limits = ("sign-in-address", "otp-check-email")

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
        return ok(_self_user(user, new_key))


class AuthenticateUserApi(ApiView):
    """Signs a User in with an OTP or a password (at least one). A valid OTP for an email that is not
    registered creates the account. The session id is rotated (new id in ``payload.sessionID`` and
    ``X-Session-ID``)."""

    operation_id = "authenticateUser"
    body_serializer = AuthenticateUserInput
    output_serializer = SelfUserOutput
    errors = (401, 403)
    rate_limits = ("sign-in-address", "otp-check-email", "password-check-email")

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
        return ok(_self_user(user, new_key))


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


class GetSelfUserApi(ApiView):
    """The caller as a SelfUser: a signed-in User, a guest, or an anonymous session (``userID`` '').
    Without ``X-Session-ID`` a new session is made and returned in ``payload.sessionID``."""

    operation_id = "getSelfUser"
    session_policy = SessionPolicy.CREATE
    query_serializer = GetSelfUserQuery
    output_serializer = SelfUserOutput

    def get(self, request):
        data = self.input()
        identity = self.identity
        user = identity.user
        confirmed = data.get("isAtLeast18Confirmed")
        if confirmed is not None and (user is not None or confirmed):
            user = services.user_set_age_confirmation(user=user or identity.owner(), confirmed=confirmed)
        return ok(
            _self_user(
                user,
                identity.session_key,
                include_profile_picture=bool(data.get("profilePicture")),
                extended_price_info=bool(data.get("extendedPriceInfo")),
            )
        )


class SetSelfUserPropertiesApi(ApiView):
    """Changes the signed-in User's username, password, email (with an OTP sent to the new address) or
    18+ confirmation. A new password ends every other session of the User."""

    operation_id = "setSelfUserProperties"
    body_serializer = SetSelfUserPropertiesInput
    output_serializer = SelfUserOutput
    errors = (401, 403, 409)
    rate_limits = ("otp-check-email",)

    def post(self, request):
        data = self.input()
        identity = self.identity
        user = services.user_set_properties(
            user=identity.require_signed_in(),
            session_key=identity.session_key,
            username=data.get("username"),
            password=data.get("password"),
            email=data.get("email"),
            otp=data.get("otp") or None,
            is_at_least_18_confirmed=data.get("isAtLeast18Confirmed"),
        )
        return ok(_self_user(user, identity.session_key))


class SetSelfUserProfilePictureApi(ApiView):
    """Sets the signed-in User's profile picture from a base64 data URI, normalized to a 128x128 WebP
    (returned as a data URI); '' removes it."""

    operation_id = "setSelfUserProfilePicture"
    body_serializer = SetSelfUserProfilePictureInput
    output_serializer = ProfilePictureOutput
    errors = (401, 403)

    def post(self, request):
        data = self.input()
        picture = services.user_set_profile_picture(
            user=self.identity.require_signed_in(), data_uri=data["profilePicture"]
        )
        return ok(ProfilePictureOutput({"profilePicture": picture}).data)


class SetProfilePictureBannedApi(ApiView):
    """Admins: bans (removing the current picture) or allows a User's profile picture; without
    ``profilePictureBanned`` the current status is returned. Answers a one-element array."""

    operation_id = "setProfilePictureBanned"
    admin_policy = AdminPolicy.REQUIRED
    body_serializer = SetProfilePictureBannedInput
    output_serializer = ProfilePictureBannedOutput
    output_many = True
    errors = (404,)

    def post(self, request):
        data = self.input()
        user = _admin_target(data)
        banned = data.get("profilePictureBanned")
        if banned is not None:
            services.user_set_profile_picture_banned(user=user, banned=banned)
        audit_log_record(
            request=request,
            action=self.operation_id,
            target=user,
            details={"profilePictureBanned": banned if banned is not None else "read"},
        )
        return ok(
            ProfilePictureBannedOutput(
                [{"profilePictureBanned": user.profile_picture_banned}], many=True
            ).data
        )


class SetUserAdditionalInformationApi(ApiView):
    """Admins: replaces a User's additional information (staff notes); absent or '' removes it.
    Answers a one-element array."""

    operation_id = "setUserAdditionalInformation"
    admin_policy = AdminPolicy.REQUIRED
    body_serializer = SetUserAdditionalInformationInput
    output_serializer = AdditionalInformationOutput
    output_many = True
    errors = (404,)

    def post(self, request):
        data = self.input()
        user = _admin_target(data)
        text = services.user_set_additional_information(user=user, text=data.get("additionalInformation"))
        audit_log_record(
            request=request, action=self.operation_id, target=user, details={"length": len(text)}
        )
        return ok(AdditionalInformationOutput([{"additionalInformation": text}], many=True).data)


class GetUserKVPApi(ApiView):
    """The signed-in User's value for ``key`` (404 when the key is not set)."""

    operation_id = "getUserKVP"
    query_serializer = KVPKeyQuery
    output_serializer = KVPOutput
    errors = (401, 404)

    def get(self, request):
        data = self.input()
        kvp = selectors.kvp_get(user=self.identity.require_signed_in(), key=data["key"])
        return ok(KVPOutput({"key": kvp.key, "value": kvp.value}).data)


class SetUserKVPApi(ApiView):
    """Sets the signed-in User's value for ``key`` (keys 1-128 characters, values at most 64 KiB,
    at most 200 keys per User: 409 past that)."""

    operation_id = "setUserKVP"
    body_serializer = SetUserKVPInput
    output_serializer = KVPOutput
    errors = (401, 409)

    def post(self, request):
        data = self.input()
        kvp = services.kvp_set(user=self.identity.require_signed_in(), key=data["key"], value=data["value"])
        return ok(KVPOutput({"key": kvp.key, "value": kvp.value}).data)


class DeleteUserKVPApi(ApiView):
    """Deletes the signed-in User's value for ``key`` (404 when the key is not set)."""

    operation_id = "deleteUserKVP"
    query_serializer = KVPKeyQuery
    output_serializer = AccountsSuccessOutput
    errors = (401, 404)

    def delete(self, request):
        data = self.input()
        services.kvp_delete(user=self.identity.require_signed_in(), key=data["key"])
        return ok(AccountsSuccessOutput({"success": True}).data)


class GetUserApi(ApiView):
    """A User's public profile by ``userID``. Admins also look up by email or username, see deleted
    Users, and get the extended fields (``profilePicture`` is then a boolean)."""

    operation_id = "getUser"
    admin_policy = AdminPolicy.OPTIONAL
    query_serializer = GetUserQuery
    output_serializer = UserOutput
    errors = (404,)

    def get(self, request):
        data = self.input()
        user_id, email, username = data.get("userID"), data.get("email"), data.get("username")
        if self.identity.is_admin:
            user = selectors.user_get_for_admin(user_id=user_id, email=email, username=username)
            audit_log_record(
                request=request,
                action=self.operation_id,
                target=user,
                details={
                    k: v for k, v in (("userID", user_id), ("email", email), ("username", username)) if v
                },
            )
            return ok(UserOutput(selectors.user_admin_payload(user=user)).data)
        if email or username:
            name = "email" if email else "username"
            raise InvalidParameter(
                name, "lookup needs the X-Administration-Key header; look Users up by userID"
            )
        if not user_id:
            raise InvalidParameter("userID", "is required")
        user = selectors.user_get_public(user_id=user_id)
        return ok(selectors.user_public_payload(user=user))  # UserOutput's public fields only


class GenerateStrongPasswordApi(ApiView):
    """A random password that satisfies the password rule (a helper for front ends)."""

    operation_id = "generateStrongPassword"
    output_serializer = OpenApiTypes.STR

    def get(self, request):
        return ok(password_generate())


class DeleteUserApi(ApiView):
    """Deletes (disables) the signed-in User and ends their sessions; ``deleteItems`` also deletes their
    Items. Admins may target any User with ``userID``."""

    operation_id = "deleteUser"
    admin_policy = AdminPolicy.OPTIONAL
    query_serializer = DeleteUserQuery
    output_serializer = AccountsSuccessOutput
    errors = (401, 404)

    def delete(self, request):
        data = self.input()
        identity = self.identity
        if identity.is_admin and data.get("userID"):
            user = selectors.user_get_for_admin(user_id=data["userID"])
        else:
            user = identity.require_signed_in()
        delete_items = bool(data.get("deleteItems"))
        services.user_delete(user=user, delete_items=delete_items)
        if identity.is_admin:
            audit_log_record(
                request=request, action=self.operation_id, target=user, details={"deleteItems": delete_items}
            )
        return ok(AccountsSuccessOutput({"success": True}).data)


class SetUserAbuseLevelApi(ApiView):
    """Admins: sets a User's abuse level (0 none, 1 no generation, 9 signed out everywhere and refused
    sign-in). With no level, or an invalid one, the current level is returned."""

    operation_id = "setUserAbuseLevel"
    admin_policy = AdminPolicy.REQUIRED
    body_serializer = SetUserAbuseLevelInput
    output_serializer = AbuseLevelOutput
    errors = (404,)

    def post(self, request):
        data = self.input()
        user = _admin_target(data)
        level = data.get("abuse")
        if level is not None:
            services.user_set_abuse_level(user=user, level=level)
        audit_log_record(
            request=request,
            action=self.operation_id,
            target=user,
            details={"abuse": level if level is not None else "read"},
        )
        return ok(AbuseLevelOutput({"abuse": user.abuse_level}).data)


class GetUserSessionApi(ApiView):
    """API2: the caller's session and User. Only for signed-in Users whose PRO tier is above 0."""

    operation_id = "getUserSession"
    url_path = "2/getUserSession"
    output_serializer = GetUserSessionOutput
    errors = (401, 403)

    def get(self, request):
        user = self.identity.require_signed_in()
        if user_tier(user=user) <= 0:
            raise Forbidden("API2 endpoints need a PRO tier above 0.")
        payload = selectors.api2_user_session_payload(user=user, session=self.identity.session)
        return ok(GetUserSessionOutput(payload).data)
