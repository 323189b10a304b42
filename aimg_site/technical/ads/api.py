"""getAffiliateAd."""

from __future__ import annotations

from types import SimpleNamespace

from aimg_site.api.views import ApiView, Caller, SessionPolicy

from . import selectors
from .serializers import AffiliateAdOutput

#: What is answered when the domain has no active ad: the documented shape, both texts empty.
NO_AD = SimpleNamespace(ad_text="", ad_link="")


class GetAffiliateAdApi(ApiView):
    """An affiliate ad for the request's domain, picked at random by weight among the active ones.

    When no ad is active the answer is still a success, with ``adText`` and ``adLink`` both empty
    strings: a front end shows nothing then.
    """

    operation_id = "getAffiliateAd"
    session_policy = SessionPolicy.NONE
    caller = Caller.ANYONE
    output_serializer = AffiliateAdOutput
    tags = ("technical",)

    def get(self, request):
        return self.respond(selectors.affiliate_ad_pick() or NO_AD)
