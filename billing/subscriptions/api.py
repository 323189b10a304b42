"""Subscription endpoints: ``cancelMembership`` and ``setAdminProvidedPremiumTier`` (Admins)."""

from __future__ import annotations

from aimg_site.api.views import AdminPolicy, ApiView, Caller
from aimg_site.core.scoping import current_domain

from ..entitlements import iso_datetime
from .serializers import AdminPremiumTierOutput, CancelMembershipOutput, SetAdminProvidedPremiumTierInput
from .services import admin_tier_set, membership_cancel


class CancelMembershipApi(ApiView):
    """Cancels the signed-in User's membership: a card subscription ends at its next billing date;
    for other providers the cancellation instructions are emailed. ``success: false`` with a
    message when there is nothing to cancel."""

    operation_id = "cancelMembership"
    caller = Caller.SIGNED_IN
    output_serializer = CancelMembershipOutput
    errors = (401, 503)
    tags = ("billing",)

    def delete(self, request):
        return self.respond(membership_cancel(user=self.caller_user))


class SetAdminProvidedPremiumTierApi(ApiView):
    """Admins: sets a free, admin-provided tier for ``email`` or ``emails`` (one subscription per
    User and product, updated on repeat). An email without a User is a 404 naming it, and nothing
    changes. ``_id`` and ``email`` are answered for a single ``email``; ``emails`` otherwise."""

    operation_id = "setAdminProvidedPremiumTier"
    caller = Caller.ANYONE
    admin_policy = AdminPolicy.REQUIRED
    audit_action = "setAdminProvidedPremiumTier"
    body_serializer = SetAdminProvidedPremiumTierInput
    output_serializer = AdminPremiumTierOutput
    errors = (404,)
    tags = ("billing",)

    def post(self, request):
        data = self.input()
        result = admin_tier_set(
            emails=data["targets"],
            product_id=data["product_id"],
            tier=data["tier"],
            is_active=data["isActive"],
            deactivation_date=data.get("deactivationDate"),
            additional_information=data.get("additionalInformation"),
        )
        first = result.subscriptions[0]
        payload: dict = {
            "domain": current_domain().name,
            "paymentProvider": "admin",
            "productId": data["product_id"],
            "tier": data["tier"],
            "isActive": data["isActive"],
            "createdDate": iso_datetime(min(row.created_at for row in result.subscriptions)),
            "updatedDate": iso_datetime(max(row.updated_at for row in result.subscriptions)),
            "env": first.env,
        }
        if data.get("deactivationDate") is not None:
            payload["deactivationDate"] = iso_datetime(data["deactivationDate"])
        if first.additional_information:
            payload["additionalInformation"] = first.additional_information
        if data["single"]:
            payload["_id"] = str(first.pk)
            payload["email"] = result.emails[0]
        else:
            payload["emails"] = result.emails
        self.audit(
            first if data["single"] else None,
            productId=data["product_id"],
            tier=data["tier"],
            isActive=data["isActive"],
            emails=result.emails,
        )
        return self.respond(payload)
