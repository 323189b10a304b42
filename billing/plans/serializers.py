"""Input and output shapes of the Billing Plan endpoints (unique names: they become schema components)."""

from __future__ import annotations

from rest_framework import serializers

from accounts.fields import StrictCharField
from aimg_site.api.fields import CommaListField

from .. import enums

MAX_PLAN_IDS = 50


def _url_field(help_text: str) -> serializers.CharField:
    return StrictCharField(required=False, max_length=1000, help_text=help_text)


class PlanIdsField(CommaListField):
    item_max_length = 64


class GetBillingPlansQuery(serializers.Serializer):
    redirectURL = _url_field(
        "Where the User returns after buying a plan (an http(s) URL); some providers need it."
    )
    paymentURL = _url_field(
        "The self-hosted payment page (an http(s) URL) of card processors such as ArkPay."
    )
    planIDs = PlanIdsField(
        required=False, max_items=MAX_PLAN_IDS, help_text="Comma-separated plan ids to return only those."
    )
    code = StrictCharField(required=False, max_length=100, help_text="A coupon code showing special plans.")

    def _check_url(self, value: str, name: str) -> str:
        from .payment_urls import is_http_url

        if not is_http_url(value):
            raise serializers.ValidationError("must be an absolute http(s) URL")
        return value

    def validate_redirectURL(self, value):
        return self._check_url(value, "redirectURL")

    def validate_paymentURL(self, value):
        return self._check_url(value, "paymentURL")


class _StrictNumber(serializers.FloatField):
    """A JSON number only (nested fields are not seen by ``wire_data``)."""

    default_error_messages = {"invalid": "must be a number."}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("invalid")
        return super().to_internal_value(data)


class _StrictInteger(serializers.IntegerField):
    default_error_messages = {"invalid": "must be an integer."}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class _StrictChoice(serializers.ChoiceField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


def _choice(values: tuple[str, ...], help_text: str) -> serializers.ChoiceField:
    return _StrictChoice(
        choices=list(values),
        help_text=help_text,
        error_messages={"invalid_choice": f"must be one of {', '.join(values)}."},
    )


class BillingPlanPaymentProviderInput(serializers.Serializer):
    paymentProvider = _choice(enums.PAYMENT_PROVIDERS, "The name of the payment provider.")
    paymentLabel = StrictCharField(required=False, allow_blank=True, max_length=200)
    paymentUrl = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="The provider's payment page (an http(s) URL), the base of the answered paymentUrl.",
    )

    def validate_paymentUrl(self, value):
        from .payment_urls import is_http_url

        if value and not is_http_url(value):
            raise serializers.ValidationError("must be an absolute http(s) URL")
        return value


class BillingPlanPriceInput(serializers.Serializer):
    name = StrictCharField(required=False, allow_blank=True, max_length=200)
    type = _choice(enums.PRICE_TYPES, "The type of the price.")
    period = _choice(enums.PERIODS, "The period of the price.")
    currency = _choice(enums.CURRENCIES, "The currency of the price.")
    currencyType = _choice(enums.CURRENCY_TYPES, "The type of the currency.")
    value = _StrictNumber(min_value=0, max_value=1_000_000_000)
    trialDays = _StrictInteger(required=False, min_value=0, max_value=3650)
    paymentProviders = serializers.ListField(
        child=BillingPlanPaymentProviderInput(), allow_empty=False, max_length=20
    )


class CreateBillingPlanInput(serializers.Serializer):
    name = StrictCharField(max_length=200, help_text="The name of the new Billing Plan.")
    description = StrictCharField(required=False, allow_blank=True, max_length=5000)
    features = serializers.ListField(
        child=StrictCharField(max_length=500), required=False, max_length=50, help_text="Features."
    )
    mainBenefits = serializers.ListField(
        child=StrictCharField(max_length=500), required=False, max_length=50, help_text="Main benefits."
    )
    prices = serializers.ListField(child=BillingPlanPriceInput(), allow_empty=False, max_length=20)
    tier = serializers.IntegerField(min_value=0, max_value=10, help_text="The target tier of the plan.")
    env = serializers.ChoiceField(
        choices=["prod", "staging"],
        required=False,
        help_text="The environment of the plan; the current domain's when absent.",
        error_messages={"invalid_choice": "must be one of prod, staging."},
    )
    code = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="A coupon code: the plan is listed only with it (not in the reference; optional).",
    )


# --- Outputs ------------------------------------------------------------------------------


class PlanPaymentProviderOutput(serializers.Serializer):
    paymentProvider = serializers.CharField()
    paymentLabel = serializers.CharField(required=False)
    paymentUrl = serializers.CharField()


class PlanPriceOutput(serializers.Serializer):
    name = serializers.CharField(required=False)
    type = serializers.CharField()
    period = serializers.CharField()
    currency = serializers.CharField()
    currencyType = serializers.CharField()
    value = serializers.FloatField()
    trialDays = serializers.IntegerField(required=False)
    paymentProviders = PlanPaymentProviderOutput(many=True)


class BillingPlanOutput(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField(required=False)
    features = serializers.ListField(child=serializers.CharField(), required=False)
    mainBenefits = serializers.ListField(child=serializers.CharField(), required=False)
    prices = PlanPriceOutput(many=True)
    tier = serializers.IntegerField()
