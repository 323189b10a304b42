"""The Civitai endpoints: the post intent (owner), and the two signed links Civitai fetches."""

from __future__ import annotations

from django.http import JsonResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse

from aimg_site.api.exceptions import NotFound
from aimg_site.api.schema import EnvelopeAutoSchema
from aimg_site.api.views import ApiView, Caller, SessionPolicy
from integrations.media import MediaUnreadable, media_probe_cached

from . import selectors, services
from .links import DETAILS, MEDIA, link_claims
from .serializers import (
    CivitaiDetailsOutput,
    CivitaiLinkQuery,
    CivitaiPostIntentOutput,
    CivitaiPostIntentQuery,
)
from .serving import media_response


class _SignedLinkSchema(EnvelopeAutoSchema):
    """The shared layer's schema (error envelopes, 414...) with this view's own success answers.

    Civitai fetches these links: the media is the file itself, and the details are Civitai's
    JSON, not our envelope (``x-aimg-not-enveloped`` marks such an operation).
    """

    def get_response_serializers(self):
        responses = super().get_response_serializers()
        own = self.view.success_responses
        replaced = {key[0] if isinstance(key, tuple) else key for key in own}
        return {**{k: v for k, v in responses.items() if k not in replaced}, **own}

    def get_extensions(self):
        return {**super().get_extensions(), "x-aimg-not-enveloped": True}


class GetCivitaiPostIntentApi(ApiView):
    """The Civitai post-intent URL for one of the caller's completed Items, and when its links expire.

    The media is checked first against Civitai's limits from the stored file itself (images png,
    jpg, webp up to 50 MB; videos mp4, webm up to 500 MB, 120 seconds, 4K): outside them, a 400
    names the limit. Another user's private item is a 404; another user's public one a 403.
    """

    operation_id = "getCivitaiPostIntent"
    tags = ("integrations",)
    caller = Caller.USER_OR_GUEST
    query_serializer = CivitaiPostIntentQuery
    output_serializer = CivitaiPostIntentOutput
    errors = (403, 404, 409)

    def get(self, request):
        data = self.input()
        intent = services.civitai_intent_build(
            viewer=self.caller_user,
            item_id=data["imageID"],
            request=request,
            title=data.get("title", ""),
            description=data.get("description", ""),
            tags=data.get("tags", []),
        )
        return self.respond(
            {
                "intentUrl": intent.intent_url,
                "mediaUrl": intent.media_url,
                "detailsUrl": intent.details_url,
                "expiresDate": intent.expires_at,
            }
        )


class GetCivitaiMediaApi(ApiView):
    """An Item's media through a signed link (no session): its real content type, CORS, byte ranges."""

    operation_id = "getCivitaiMedia"
    tags = ("integrations",)
    session_policy = SessionPolicy.NONE
    caller = Caller.ANYONE
    query_serializer = CivitaiLinkQuery
    errors = (404, 410, 416)
    schema = _SignedLinkSchema()
    success_responses = {
        (200, "*/*"): OpenApiResponse(
            OpenApiTypes.BINARY, description="The media, with its real content type."
        ),
        (206, "*/*"): OpenApiResponse(OpenApiTypes.BINARY, description="The byte range asked for."),
    }

    def get(self, request):
        data = self.input()
        item = selectors.item_for_link(claims=link_claims(token=data["token"], kind=MEDIA))
        try:
            facts = media_probe_cached(item.media.name or "")
        except MediaUnreadable as exc:
            raise NotFound("No such media.") from exc
        return media_response(
            name=item.media.name or "",
            facts=facts,
            range_header=request.headers.get("Range", ""),
            head=request.method == "HEAD",
        )


class GetCivitaiPostDetailsApi(ApiView):
    """Civitai's details JSON for an Item through a signed link (no session; not in the envelope).

    ``source`` is the site, ``createUrl`` its create page with the prompt, ``referenceUrl`` the
    item's public page (the site's home for a private item), ``details`` at most 10 generation
    parameters.
    """

    operation_id = "getCivitaiPostDetails"
    tags = ("integrations",)
    session_policy = SessionPolicy.NONE
    caller = Caller.ANYONE
    query_serializer = CivitaiLinkQuery
    errors = (404, 410)
    schema = _SignedLinkSchema()
    success_responses = {200: CivitaiDetailsOutput}

    def get(self, request):
        data = self.input()
        item = selectors.item_for_link(claims=link_claims(token=data["token"], kind=DETAILS))
        response = JsonResponse(CivitaiDetailsOutput(selectors.civitai_details(item=item)).data)
        response["Access-Control-Allow-Origin"] = "*"
        response["Cache-Control"] = "private, max-age=300"
        return response
