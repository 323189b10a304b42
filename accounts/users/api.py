"""The user endpoints: one view per documented operation (see the reference's "User Management")."""

from __future__ import annotations

from aimg_site.api.envelope import ok
from aimg_site.api.exceptions import InvalidParameter
from aimg_site.api.views import AdminPolicy, ApiView, Caller, SessionPolicy

from . import selectors, services
from .serializers import (
    AbuseLevelOutput,
    AccountsSuccessOutput,
    AdditionalInformationOutput,
    DeleteUserQuery,
    GetSelfUserQuery,
    GetUserQuery,
    GetUserSessionOutput,
    ProfilePictureBannedOutput,
    ProfilePictureOutput,
    SelfUserOutput,
    SetProfilePictureBannedInput,
    SetSelfUserProfilePictureInput,
    SetSelfUserPropertiesInput,
    SetUserAbuseLevelInput,
    SetUserAdditionalInformationInput,
    UserOutput,
)


def self_user_data(user, session_key, **options) -> dict:
    """The caller as the reference's ``SelfUser`` (the payload of every endpoint that answers one)."""
    return SelfUserOutput(selectors.self_user_payload(user=user, session_key=session_key, **options)).data


def _admin_target(data: dict):
    user_id, email = data.get("userID") or None, data.get("email") or None
    if not user_id and not email:
        raise InvalidParameter("userID", "or 'email' must be provided")
    return selectors.user_get_for_admin(user_id=user_id, email=email)


class GetSelfUserApi(ApiView):
    """The caller as a SelfUser: a signed-in User, a guest, or an anonymous session (``userID`` '').
    Without ``X-Session-ID`` a new session is made and returned in ``payload.sessionID``."""

    operation_id = "getSelfUser"
    session_policy = SessionPolicy.CREATE
    query_serializer = GetSelfUserQuery
    output_serializer = SelfUserOutput
    #: ``isAtLeast18Confirmed=true`` from an anonymous session records it on a guest user made now.
    caller = Caller.USER_OR_GUEST
    guest_methods = frozenset({"GET"})

    def get(self, request):
        data = self.input()
        identity = self.identity
        user = identity.user
        confirmed = data.get("isAtLeast18Confirmed")
        if confirmed is not None and (user is not None or confirmed):
            user = services.user_set_age_confirmation(user=self.caller_user, confirmed=confirmed)
        return ok(
            self_user_data(
                user,
                identity.session_key,
                include_profile_picture=bool(data.get("profilePicture")),
                extended_price_info=bool(data.get("extendedPriceInfo")),
            )
        )


class SetSelfUserPropertiesApi(ApiView):
    """Changes the signed-in User's username, password, email (with an OTP sent to the new address) or
    18+ confirmation. A new password ends every other session of the User. A new password or email
    needs a session signed in within the last 15 minutes: otherwise a 403 with errorCode 1005, and the
    front end signs the User in again (a code, or the password) and sends the change on the new
    session."""

    operation_id = "setSelfUserProperties"
    body_serializer = SetSelfUserPropertiesInput
    output_serializer = SelfUserOutput
    errors = (401, 403, 409)
    rate_limits = ("otp-check-email-address",)

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
            client_address=identity.client_address,
        )
        return ok(self_user_data(user, identity.session_key))


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
    audit_action = "setProfilePictureBanned"
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
        self.audit(user, **{"profilePictureBanned": banned if banned is not None else "read"})
        return self.respond([{"profilePictureBanned": user.profile_picture_banned}])


class SetUserAdditionalInformationApi(ApiView):
    """Admins: replaces a User's additional information (staff notes); absent or '' removes it.
    Answers a one-element array."""

    operation_id = "setUserAdditionalInformation"
    audit_action = "setUserAdditionalInformation"
    admin_policy = AdminPolicy.REQUIRED
    body_serializer = SetUserAdditionalInformationInput
    output_serializer = AdditionalInformationOutput
    output_many = True
    errors = (404,)

    def post(self, request):
        data = self.input()
        user = _admin_target(data)
        text = services.user_set_additional_information(user=user, text=data.get("additionalInformation"))
        self.audit(user, **{"length": len(text)})
        return self.respond([{"additionalInformation": text}])


class GetUserApi(ApiView):
    """A User's public profile by ``userID``. Admins also look up by email or username, see deleted
    Users, and get the extended fields (``profilePicture`` is then a boolean)."""

    operation_id = "getUser"
    audit_action = "getUser"
    admin_policy = AdminPolicy.OPTIONAL
    query_serializer = GetUserQuery
    output_serializer = UserOutput
    errors = (404,)

    def get(self, request):
        data = self.input()
        user_id, email, username = data.get("userID"), data.get("email"), data.get("username")
        if self.identity.is_admin:
            user = selectors.user_get_for_admin(user_id=user_id, email=email, username=username)
            self.audit(
                user,
                **{k: v for k, v in (("userID", user_id), ("email", email), ("username", username)) if v},
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


class DeleteUserApi(ApiView):
    """Deletes (disables) the signed-in User and ends their sessions; ``deleteItems`` also deletes their
    Items. Admins may target any User with ``userID``."""

    operation_id = "deleteUser"
    audit_action = "deleteUser"
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
        self.audit(user, deleteItems=delete_items)
        return self.respond({"success": True})


class SetUserAbuseLevelApi(ApiView):
    """Admins: sets a User's abuse level (0 none, 1 no generation, 9 signed out everywhere and refused
    sign-in). With no level, or an invalid one, the current level is returned."""

    operation_id = "setUserAbuseLevel"
    audit_action = "setUserAbuseLevel"
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
        self.audit(user, **{"abuse": level if level is not None else "read"})
        return self.respond({"abuse": user.abuse_level})


class GetUserSessionApi(ApiView):
    """API2: the caller's session and User. Only for signed-in Users whose PRO tier is above 0."""

    operation_id = "getUserSession"
    url_path = "2/getUserSession"
    output_serializer = GetUserSessionOutput
    errors = (401, 403)

    def get(self, request):
        user = self.identity.require_signed_in()
        payload = selectors.api2_user_session_payload(user=user, session=self.identity.session)
        return self.respond(payload)
