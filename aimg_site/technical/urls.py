"""Routes of the technical endpoints: each concern's urls, nothing else."""

from django.urls import include, path

urlpatterns: list = [
    path("", include("aimg_site.technical.logs.urls")),
    path("", include("aimg_site.technical.ads.urls")),
    path("", include("aimg_site.technical.files.urls")),
    path("", include("aimg_site.technical.pgquery.urls")),
]
