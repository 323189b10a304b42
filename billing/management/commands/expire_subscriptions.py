"""``python manage.py expire_subscriptions``: mark subscriptions past their expiry (as the beat task does)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from billing.subscriptions.services import subscriptions_expire


class Command(BaseCommand):
    help = "Mark every subscription past its expiry as expired, in every domain (recorded in the audit log)."

    def handle(self, *args, **options) -> None:
        count = subscriptions_expire()
        self.stdout.write(f"{count} subscription(s) expired")
