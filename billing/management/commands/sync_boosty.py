"""``python manage.py sync_boosty [--domain D | --all-domains]``: the Boosty subscriber sync (as the
hourly beat task does), reporting what it wrote."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from accounts.management.commands._domain import add_domains_arguments, resolve_domains
from billing.boosty.services import boosty_subscriptions_sync


class Command(BaseCommand):
    help = "Read the Boosty subscribers of each domain's Boosty accounts and write their subscriptions."

    def add_arguments(self, parser) -> None:
        add_domains_arguments(parser, default_all=False)

    def handle(self, *args, **options) -> None:
        domains = resolve_domains(options, default_all=False)
        for domain in domains:
            report = boosty_subscriptions_sync(domain=domain)
            failed = f", failed: {', '.join(report.failed_accounts)}" if report.failed_accounts else ""
            self.stdout.write(
                f"{domain.name}: {report.accounts} Boosty account(s), {report.written} subscription(s) "
                f"written, {report.ended} ended{failed}"
            )
