"""Routes of the card endpoints (see aimg_site.api.views.endpoint)."""

from aimg_site.api.views import endpoint

from . import api

urlpatterns = [endpoint(api.ProcessCardSubscriptionApi), endpoint(api.PayWithCardEmailApi)]
