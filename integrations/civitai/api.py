"""The Civitai endpoints: the post intent (owner), and the two signed links Civitai fetches."""

from __future__ import annotations

from django.http import JsonResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema

from aimg_site.api.exceptions import NotFound
from aimg_site.api.schema import ErrorEnvelope
from aimg_site.api.views import ApiView, Caller, SessionPolicy
from integrations.media import MediaUnreadable, media_probe

from . import selectors, services
from .links import DETAILS, MEDIA, link_claims
from .serializers import (
    CivitaiDetailsOutput,
    CivitaiLinkQuery,
    CivitaiPostIntentOutput,
    CivitaiPostIntentQuery,
)
from .serving import media_response

_LINK_ERRORS = {
    code: OpenApiResponse(ErrorEnvelope, description=text)
    for code, text in (
        (400, "No token, or a malformed one."),
        (404, "No such link (tampered with, or its item is gone)."),
        (410, "The link has expired."),
    )
}


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


@extend_schema(
    responses={
        (200, "*/*"): OpenApiResponse(OpenApiTypes.BINARY, description="The media (206 for a byte range)."),
        (206, "*/*"): OpenApiResponse(OpenApiTypes.BINARY, description="The byte range asked for."),
        416: OpenApiResponse(description="The range is outside the file."),
        **_LINK_ERRORS,
    }
)
class GetCivitaiMediaApi(ApiView):
    """An Item's media through a signed link (no session): its real content type, CORS, byte ranges."""

    operation_id = "getCivitaiMedia"
    tags = ("integrations",)
    session_policy = SessionPolicy.NONE
    caller = Caller.ANYONE
    query_serializer = CivitaiLinkQuery
    errors = (404, 410)

    def get(self, request):
        data = self.input()
        item = selectors.item_for_link(claims=link_claims(token=data["token"], kind=MEDIA))
        try:
            facts = media_probe(item.media.name or "")
        except MediaUnreadable as exc:
            raise NotFound("No such media.") from exc
        return media_response(
            name=item.media.name or "",
            facts=facts,
            range_header=request.headers.get("Range", ""),
            head=request.method == "HEAD",
        )


@extend_schema(responses={200: CivitaiDetailsOutput, **_LINK_ERRORS})
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

    def get(self, request):
        data = self.input()
        item = selectors.item_for_link(claims=link_claims(token=data["token"], kind=DETAILS))
        response = JsonResponse(CivitaiDetailsOutput(selectors.civitai_details(item=item)).data)
        response["Access-Control-Allow-Origin"] = "*"
        response["Cache-Control"] = "private, max-age=300"
        return response
