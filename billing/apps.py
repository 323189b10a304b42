from django.apps import AppConfig


class BillingConfig(AppConfig):
    """Billing plans, subscriptions, payments and gift cards (a later issue)."""

    name = "billing"
    verbose_name = "Billing"
