"""Routes of the Civitai endpoints."""

from aimg_site.api.views import endpoint

from . import api

urlpatterns = [
    endpoint(api.GetCivitaiPostIntentApi),
    endpoint(api.GetCivitaiMediaApi),
    endpoint(api.GetCivitaiPostDetailsApi),
]
