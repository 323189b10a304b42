from django.apps import AppConfig


class BillingConfig(AppConfig):
    """Billing plans, subscriptions (the entitlement behind every tier), card payments, gift cards, Boosty."""

    name = "billing"
    verbose_name = "Billing"

    def ready(self) -> None:
        from . import limits  # noqa: F401  (registers the app's named rate limits)
