"""The Boosty endpoint: ``injectBoostyAdminAccountCookies`` (Admins)."""

from __future__ import annotations

from aimg_site.api.views import AdminPolicy, ApiView, Caller
from aimg_site.core.scoping import current_domain

from .serializers import InjectBoostyAdminAccountCookiesInput, InjectBoostyCookiesOutput
from .services import boosty_cookies_inject, boosty_domain


class InjectBoostyAdminAccountCookiesApi(ApiView):
    """Admins: stores the Boosty admin account's exported cookies for a domain (``domainIdentifier``,
    else the current one), encrypted at rest; they expire after 7 days and are never returned."""

    operation_id = "injectBoostyAdminAccountCookies"
    caller = Caller.ANYONE
    admin_policy = AdminPolicy.REQUIRED
    audit_action = "injectBoostyAdminAccountCookies"
    body_serializer = InjectBoostyAdminAccountCookiesInput
    output_serializer = InjectBoostyCookiesOutput
    tags = ("billing",)

    def post(self, request):
        data = self.input()
        domain = boosty_domain(name=data.get("domainIdentifier"), default=current_domain())
        account = boosty_cookies_inject(domain=domain, account_id=data["accountId"], cookies=data["cookies"])
        self.audit(
            account,
            accountId=account.account_id,
            domainIdentifier=domain.name,
            cookieCount=account.cookie_count,
            expiresAt=account.expires_at.isoformat(),
        )
        return self.respond({"success": True})
