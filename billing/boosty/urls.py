"""Routes of the Boosty endpoint (see aimg_site.api.views.endpoint)."""

from aimg_site.api.views import endpoint

from . import api

urlpatterns = [endpoint(api.InjectBoostyAdminAccountCookiesApi)]
