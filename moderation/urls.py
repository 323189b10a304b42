"""Routes of this app's documented endpoints (see aimg_site.api.views.endpoint)."""

urlpatterns: list = []
