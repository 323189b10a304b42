"""``POST /auth/{loginProvider}``: start an OAuth sign-in (reference: "External Login Providers")."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.parsers import FormParser

from aimg_site.api.params import parse_choice
from aimg_site.api.parsers import JSONParser
from aimg_site.api.schema import ErrorEnvelope
from aimg_site.api.views import ApiView, SessionPolicy

from .providers import SUPPORTED_PROVIDERS
from .serializers import AuthLoginProviderInput
from .services import oauth_login_start


class AuthLoginProviderApi(ApiView):
    """Redirects the browser (302) to the provider's sign-in page.

    After the user signs in there, the provider sends the browser back to
    this API, which finds or creates the user with the provider's verified
    email on this site, signs them in on a new session, and redirects (302) to
    `redirectURL` with the query parameter `b`: the base64url (RFC 4648 §5,
    no padding) of the response envelope's JSON, whose `payload` is the
    SelfUser (with the new `sessionID`). A cancelled or failed sign-in
    redirects to `redirectURL` with `b` holding an error envelope
    (`hasError: true`, `payload: null`, `errorMessage`).

    Send it as a top-level form post (or JSON) from the front end. When an
    `X-Session-ID` is sent, what its guest made moves to the account and the
    id stops working once the sign-in completes.
    """

    operation_id = "authLoginProvider"
    url_path = "auth/<str:loginProvider>"
    session_policy = SessionPolicy.CREATE
    body_serializer = AuthLoginProviderInput
    parser_classes = (JSONParser, FormParser)  # a top-level HTML form post, as well as JSON
    summary = "Sign in with Google, Discord or GitHub"
    tags = ("accounts",)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "X-Session-ID",
                OpenApiTypes.UUID,
                OpenApiParameter.HEADER,
                required=False,
                description="The caller's session id, if any: it is replaced by a new one when the sign-in "
                "completes, and what its guest made moves to the account.",
            ),
            OpenApiParameter(
                "loginProvider",
                str,
                OpenApiParameter.PATH,
                enum=list(SUPPORTED_PROVIDERS),
                description="The OAuth 2.0 login provider.",
            ),
            OpenApiParameter(
                "Location",
                OpenApiTypes.URI,
                OpenApiParameter.HEADER,
                response=[302],
                description="The provider's authorization page.",
            ),
        ],
        responses={
            302: OpenApiResponse(description="Redirect to the provider's sign-in page (see `Location`)."),
            400: OpenApiResponse(
                ErrorEnvelope,
                description="Bad input (the message names the parameter), an unsupported provider, "
                "a provider not configured on this site, or a redirectURL outside this site's front end.",
            ),
            413: OpenApiResponse(ErrorEnvelope, description="Request body too large."),
            415: OpenApiResponse(ErrorEnvelope, description="The body is neither JSON nor a form."),
            503: OpenApiResponse(ErrorEnvelope, description="The provider cannot be used right now."),
        },
    )
    def post(self, request, loginProvider: str):
        provider = parse_choice(loginProvider, "loginProvider", SUPPORTED_PROVIDERS)
        data = self.input()
        # Without an X-Session-ID there is no session to carry over; the id the policy made up is not sent back.
        old_key = None if self.identity.issued_session_key else self.identity.session_key
        self.identity.issued_session_key = False
        return oauth_login_start(
            request=request._request,
            provider=provider,
            redirect_url=data["redirectURL"],
            session_key=old_key,
            ref_list=data.get("refList"),
            rs=data.get("rs"),
            is_at_least_18_confirmed=data.get("isAtLeast18Confirmed"),
        )
