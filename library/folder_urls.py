"""Routes of this module's documented endpoints (see aimg_site.api.views.endpoint)."""

urlpatterns: list = []
