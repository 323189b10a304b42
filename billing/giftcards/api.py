"""Gift-card endpoints: ``redeemGiftCard`` (signed-in users) and ``downloadGiftCards`` (Admins)."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse

from aimg_site.api.schema import EnvelopeAutoSchema
from aimg_site.api.views import AdminPolicy, ApiView, Caller

from .. import limits
from .serializers import DownloadGiftCardsQuery, RedeemGiftCardInput, RedeemGiftCardOutput
from .services import gift_card_redeem, gift_cards_create


class RedeemGiftCardApi(ApiView):
    """Redeems a Gift Card once, giving the signed-in User its tier for its days. Refused while an
    equal or higher tier is active and does not expire; the same expiring tier is extended from its
    current expiry. Wrong codes are limited per User and per address (429)."""

    operation_id = "redeemGiftCard"
    caller = Caller.SIGNED_IN
    body_serializer = RedeemGiftCardInput
    output_serializer = RedeemGiftCardOutput
    errors = (401, 404, 409)
    rate_limits = (limits.GIFT_CARD_WRONG_USER, limits.GIFT_CARD_WRONG_ADDRESS)
    tags = ("billing",)

    def post(self, request):
        data = self.input()
        result = gift_card_redeem(
            user=self.caller_user, code=data["code"], client_address=self.identity.client_address
        )
        return self.respond(result)


class TextAttachmentSchema(EnvelopeAutoSchema):
    """The 200 of a download is a ``text/plain`` attachment, not the envelope (errors still are)."""

    def get_response_serializers(self):
        responses = super().get_response_serializers()
        responses.pop(200, None)
        return {
            (200, "text/plain"): OpenApiResponse(
                OpenApiTypes.STR, description="One gift-card code per line."
            ),
            **responses,
        }


class DownloadGiftCardsApi(ApiView):
    """Admins: creates ``numberOfCards`` Gift Cards (at most 1,000) and answers them as a TXT
    attachment, one code per line. Codes are shown only here: the database keeps their keyed hash."""

    operation_id = "downloadGiftCards"
    caller = Caller.ANYONE
    admin_policy = AdminPolicy.REQUIRED
    audit_action = "downloadGiftCards"
    query_serializer = DownloadGiftCardsQuery
    output_serializer = None
    schema = TextAttachmentSchema()
    tags = ("billing",)

    def get(self, request):
        data = self.input()
        created = gift_cards_create(
            number_of_cards=data["numberOfCards"],
            tier=data["tier"],
            days=data["days"],
            distribution_provider=data["distributionProvider"],
            usd_price=data["usdPrice"],
            external_codes=data.get("externalCodes"),
            additional_information=data.get("additionalInformation", ""),
            actor=self.identity.admin_key.user if self.identity.admin_key else None,
        )
        batch = created.batch
        self.audit(batch, numberOfCards=batch.number_of_cards, tier=batch.tier, days=batch.days)
        response = HttpResponse("\n".join(created.codes) + "\n", content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="gift-cards-{batch.pk}.txt"'
        response["Cache-Control"] = "no-store"
        return response
