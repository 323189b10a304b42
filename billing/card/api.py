"""Card endpoints: ``processCardSubscription`` and ``payWithCardEmail``."""

from __future__ import annotations

from aimg_site.api.exceptions import InvalidParameter
from aimg_site.api.views import ApiView, Caller, Limit, LimitKey

from .. import limits
from .processors import CardDetails
from .serializers import (
    CardSubscriptionOutput,
    PayWithCardEmailInput,
    PayWithCardEmailOutput,
    ProcessCardSubscriptionInput,
)
from .services import card_subscription_process, pay_with_card_email_request

_BILLING_FIELDS = (
    "street",
    "city",
    "stateOrProvince",
    "postalCode",
    "country",
    "billingEmail",
    "phoneNumber",
)


class ProcessCardSubscriptionApi(ApiView):
    """Charges the signed-in User's card for a Billing Plan and subscribes them, effective at once.

    Idempotent: a retry (same ``Idempotency-Key`` header, or the same User and
    plan within 10 minutes) answers the first outcome without charging again;
    a concurrent identical request is a 409. Attempts are limited per User and
    per client address (429). ``success: false`` when the card is declined or
    the processor fails (nothing is charged)."""

    operation_id = "processCardSubscription"
    caller = Caller.SIGNED_IN
    body_serializer = ProcessCardSubscriptionInput
    output_serializer = CardSubscriptionOutput
    rate_limits = (Limit(limits.CARD_USER, by=LimitKey.USER), Limit(limits.CARD_ADDRESS, by=LimitKey.ADDRESS))
    errors = (401, 404, 409, 503)
    tags = ("billing",)

    def post(self, request):
        data = self.input()
        user = self.caller_user
        if not data.get("billingEmail") and not user.email:
            raise InvalidParameter("billingEmail", "is required: your account has no email address")
        key = request.headers.get("Idempotency-Key", "").strip()
        if len(key) > 200:
            raise InvalidParameter("Idempotency-Key", "must be at most 200 characters long")
        card = CardDetails(
            number=data["cardNumber"],
            holder_name=data["cardHolderName"],
            expiration_month=data["expirationMonth"],
            expiration_year=data["expirationYear"],
            security_code=data["securityCode"],
        )
        billing = {name: data[name] for name in _BILLING_FIELDS if data.get(name)}
        billing.setdefault("billingEmail", user.email)
        result = card_subscription_process(
            user=user,
            merchant_processor=data["merchantProcessor"],
            product_id=data["productID"],
            card=card,
            billing=billing,
            idempotency_key=key,
        )
        return self.respond(result)


class PayWithCardEmailApi(ApiView):
    """Emails the instructions to pay for a membership by card: to the signed-in User, or to
    ``email`` (required when not signed in). Limited per address and per recipient (429)."""

    operation_id = "payWithCardEmail"
    caller = Caller.ANYONE
    body_serializer = PayWithCardEmailInput
    output_serializer = PayWithCardEmailOutput
    rate_limits = (Limit(limits.PAY_EMAIL_ADDRESS, by=LimitKey.ADDRESS), limits.PAY_EMAIL_RECIPIENT)
    tags = ("billing",)

    def post(self, request):
        data = self.input()
        user = self.identity.signed_in_user
        sent = pay_with_card_email_request(user=user, email=data.get("email"))
        return self.respond({"success": sent})
