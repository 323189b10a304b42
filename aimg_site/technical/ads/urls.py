from aimg_site.api.views import endpoint

from . import api

urlpatterns: list = [endpoint(api.GetAffiliateAdApi)]
