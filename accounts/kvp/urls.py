"""Routes of the key-value pair endpoints."""

from aimg_site.api.views import endpoint

from . import api

urlpatterns = [
    endpoint(api.GetUserKVPApi),
    endpoint(api.SetUserKVPApi),
    endpoint(api.DeleteUserKVPApi),
]
