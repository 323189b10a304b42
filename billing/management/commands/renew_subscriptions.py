"""``python manage.py renew_subscriptions``: charge the card subscriptions whose next billing date has
come, in every domain (as the beat task does)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from billing.card.renewals import card_subscriptions_renew


class Command(BaseCommand):
    help = "Renew every due card subscription through the card processor (each period charged once)."

    def handle(self, *args, **options) -> None:
        report = card_subscriptions_renew()
        self.stdout.write(
            f"{report.renewed} renewed, {report.ended} ended, {report.retry_later} to retry later, "
            f"{report.skipped} skipped"
        )
