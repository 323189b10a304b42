"""Routes of the billing app: each concern lists its own endpoints in ``<concern>/urls.py``."""

from django.urls import include, path

urlpatterns = [
    path("", include("billing.plans.urls")),
    path("", include("billing.subscriptions.urls")),
    path("", include("billing.card.urls")),
    path("", include("billing.giftcards.urls")),
    path("", include("billing.boosty.urls")),
]
