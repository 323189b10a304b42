"""Input and output shapes of the user endpoints (unique names: they become schema components)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.fields import AGE_CONFIRMED_HELP, StrictCharField, email_field, otp_field, password_field
from aimg_site.api.fields import BoolParam
from aimg_site.api.params import is_int_text

# --- Inputs ---------------------------------------------------------------------------


class GetSelfUserQuery(serializers.Serializer):
    isAtLeast18Confirmed = BoolParam(required=False, help_text=AGE_CONFIRMED_HELP + " Remembered when given.")
    profilePicture = BoolParam(required=False, help_text="Whether to return the profile picture.")
    extendedPriceInfo = BoolParam(
        required=False, help_text="Whether to return the pricing information of the subscriptions."
    )


class SetSelfUserPropertiesInput(serializers.Serializer):
    username = StrictCharField(
        required=False, allow_blank=True, max_length=64, help_text="The chosen username."
    )
    password = password_field("The new password; every other session of the User ends.")
    email = email_field(required=False, help_text="The new email; needs an OTP requested for it.")
    otp = otp_field()
    isAtLeast18Confirmed = BoolParam(required=False, help_text=AGE_CONFIRMED_HELP)


class SetSelfUserProfilePictureInput(serializers.Serializer):
    profilePicture = StrictCharField(
        allow_blank=True,
        trim_whitespace=False,
        help_text="A base64 data URI (JPEG, PNG, TIFF or WebP, at most 1 MB and 1024x1024); '' removes it.",
    )


class AdminUserTargetInput(serializers.Serializer):
    userID = StrictCharField(required=False, allow_blank=True, max_length=64)
    email = StrictCharField(required=False, allow_blank=True, max_length=254)


class SetProfilePictureBannedInput(AdminUserTargetInput):
    profilePictureBanned = BoolParam(
        required=False, help_text="The new banned status; the current one is returned when absent."
    )


class SetUserAdditionalInformationInput(AdminUserTargetInput):
    additionalInformation = StrictCharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        trim_whitespace=False,
        help_text="Staff notes; absent or empty removes them.",
    )


@extend_schema_field({"type": "integer", "minimum": 0, "maximum": 9, "nullable": True})
class AbuseLevelField(serializers.Field):
    """An abuse level 0-9. Anything else reads as "no level" (the current level is returned), never a 400."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return None
        if isinstance(data, int):
            value = data
        elif isinstance(data, float) and data.is_integer():
            value = int(data)
        elif isinstance(data, str) and is_int_text(data.strip()) and len(data.strip()) <= 2:
            value = int(data.strip())
        else:
            return None
        return value if 0 <= value <= 9 else None

    def validate_empty_values(self, data):
        if data is None:
            return (True, None)
        return super().validate_empty_values(data)


class SetUserAbuseLevelInput(AdminUserTargetInput):
    abuse = AbuseLevelField(
        required=False,
        help_text="The new abuse level (0-9). Absent or invalid: the current level is returned.",
    )


class GetUserQuery(serializers.Serializer):
    userID = StrictCharField(required=False, allow_blank=True, max_length=64)
    email = StrictCharField(required=False, allow_blank=True, max_length=254, help_text="Admins only.")
    username = StrictCharField(required=False, allow_blank=True, max_length=64, help_text="Admins only.")


class DeleteUserQuery(serializers.Serializer):
    userID = StrictCharField(
        required=False, allow_blank=True, max_length=64, help_text="Admins only: the User to delete."
    )
    deleteItems = BoolParam(required=False, help_text="Whether to delete the User's Items as well.")


# --- Outputs ----------------------------------------------------------------------------


class BillingPlanPriceOutput(serializers.Serializer):
    type = serializers.CharField()
    period = serializers.CharField()
    currency = serializers.CharField()
    currencyType = serializers.CharField()
    value = serializers.FloatField()


class SubscriptionOutput(serializers.Serializer):
    merchantProcessor = serializers.CharField()
    tier = serializers.IntegerField()
    tierExpiration = serializers.CharField(required=False, allow_null=True)
    nextBillingDate = serializers.CharField(required=False, allow_null=True)
    productID = serializers.CharField()
    payerID = serializers.CharField(required=False, allow_null=True)
    transactionID = serializers.CharField(required=False, allow_null=True)
    additionalInformation = serializers.CharField(required=False, allow_null=True)
    price = BillingPlanPriceOutput(required=False, help_text="Only with extendedPriceInfo=true.")


class SelfUserOutput(serializers.Serializer):
    sessionID = serializers.CharField()
    userID = serializers.CharField(help_text="'' for an anonymous session with no user yet.")
    email = serializers.CharField()
    username = serializers.CharField()
    isAuthenticated = serializers.BooleanField()
    isAtLeast18Confirmed = serializers.BooleanField()
    profilePicture = serializers.CharField(required=False, help_text="Only with profilePicture=true.")
    tier = serializers.IntegerField()
    tierExpiration = serializers.CharField(
        required=False, help_text="ISO 8601 with timezone; left out when the tier does not expire."
    )
    merchantProcessor = serializers.CharField()
    subscriptions = SubscriptionOutput(many=True)
    itemCount = serializers.IntegerField()
    rootFolderItemCount = serializers.IntegerField()

    def to_representation(self, instance):
        """Hand-written for speed (answering getSelfUser is mostly this): the payload of
        ``self_user_payload`` converted as the declared fields do; a test checks that they agree."""
        data: dict = {}
        for key, convert in _SELF_USER_FIELDS:
            if key not in instance:
                continue
            value = instance[key]
            if key == "subscriptions":
                data[key] = SubscriptionOutput(value, many=True).data if value else []
            else:
                data[key] = None if value is None else convert(value)
        return data


#: ``SelfUserOutput``'s fields in declared order, with their conversion (``subscriptions``: see above).
_SELF_USER_FIELDS = tuple(
    (name, {"CharField": str, "BooleanField": bool, "IntegerField": int}.get(type(field).__name__, list))
    for name, field in SelfUserOutput._declared_fields.items()
)


class AccountsSuccessOutput(serializers.Serializer):
    success = serializers.BooleanField()


class ProfilePictureOutput(serializers.Serializer):
    profilePicture = serializers.CharField(help_text="A data:image/webp;base64 URI; '' when removed.")


class ProfilePictureBannedOutput(serializers.Serializer):
    profilePictureBanned = serializers.BooleanField()


class AdditionalInformationOutput(serializers.Serializer):
    additionalInformation = serializers.CharField()


class AbuseLevelOutput(serializers.Serializer):
    abuse = serializers.IntegerField()


class LoginProviderOutput(serializers.Serializer):
    providerType = serializers.ChoiceField(choices=["internal", "oauth"])
    providerId = serializers.CharField()
    userId = serializers.CharField(required=False)


class ArchivedEmailOutput(serializers.Serializer):
    email = serializers.CharField()
    archivedDate = serializers.CharField()


@extend_schema_field(
    {
        "oneOf": [{"type": "string"}, {"type": "boolean"}],
        "description": "For Users: the picture as a data URI ('' when none). "
        "For Admins: whether a picture is set.",
    }
)
class _StringOrBoolField(serializers.Field):
    def to_representation(self, value):
        return value


class UserOutput(serializers.Serializer):
    """``getUser``: the public fields, plus the extended ones when an Admin asks."""

    userID = serializers.CharField()
    username = serializers.CharField()
    profilePicture = _StringOrBoolField()
    email = serializers.CharField(required=False)
    createdDate = serializers.CharField(required=False)
    updatedDate = serializers.CharField(required=False)
    deletedDate = serializers.CharField(required=False, allow_null=True)
    isDisabled = serializers.BooleanField(required=False)
    isAtLeast18Confirmed = serializers.BooleanField(required=False)
    tier = serializers.IntegerField(required=False)
    tierExpiration = serializers.CharField(required=False, allow_null=True)
    merchantProcessor = serializers.CharField(required=False)
    subscriptions = SubscriptionOutput(many=True, required=False)
    flaggedImagesCount = serializers.IntegerField(required=False)
    highHeatImagesCount = serializers.IntegerField(required=False)
    refList = serializers.ListField(child=serializers.CharField(), required=False)
    rs = serializers.CharField(required=False)
    loginProviders = LoginProviderOutput(many=True, required=False)
    connectProviders = LoginProviderOutput(many=True, required=False)
    abuse = serializers.IntegerField(required=False)
    profilePictureBanned = serializers.BooleanField(required=False)
    archivedEmails = ArchivedEmailOutput(many=True, required=False)
    itemCount = serializers.IntegerField(required=False)
    publicItemCount = serializers.IntegerField(required=False)
    rootFolderItemCount = serializers.IntegerField(required=False)
    additionalInformation = serializers.CharField(required=False)
    roles = serializers.ListField(child=serializers.CharField(), required=False)


class Api2UserSessionOutput(serializers.Serializer):
    _id = serializers.CharField()
    domain = serializers.CharField()
    isAtLeast18Confirmed = serializers.BooleanField()
    updatedDate = serializers.CharField()
    userID = serializers.CharField()


class Api2UserOutput(serializers.Serializer):
    _id = serializers.CharField()
    email = serializers.CharField()
    username = serializers.CharField()
    domain = serializers.CharField()
    createdDate = serializers.CharField()
    isDisabled = serializers.BooleanField()
    roles = serializers.ListField(child=serializers.CharField())
    flaggedImagesCount = serializers.IntegerField()


class GetUserSessionOutput(serializers.Serializer):
    userSession = Api2UserSessionOutput()
    user = Api2UserOutput()
