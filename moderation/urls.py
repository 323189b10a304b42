"""Routes of this app's documented endpoints: each concern's urls."""

from django.urls import include, path

urlpatterns = [
    path("", include("moderation.queues.urls")),
    path("", include("moderation.reports.urls")),
]
