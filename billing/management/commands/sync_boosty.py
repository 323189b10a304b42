"""``python manage.py sync_boosty [--domain D | --all-domains]``: the Boosty subscriber sync (as the
hourly beat task does), reporting what it wrote."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from accounts.management.commands._domain import add_domain_argument, resolve_domain
from aimg_site.core.models import Domain
from billing.boosty.services import boosty_subscriptions_sync


class Command(BaseCommand):
    help = "Read the Boosty subscribers of each domain's Boosty accounts and write their subscriptions."

    def add_arguments(self, parser) -> None:
        add_domain_argument(parser)
        parser.add_argument("--all-domains", action="store_true", help="Every domain (the beat task's run).")

    def handle(self, *args, **options) -> None:
        if options["all_domains"]:
            domains = list(Domain.objects.order_by("name"))
        else:
            domains = [resolve_domain(options["domain"])]
        for domain in domains:
            report = boosty_subscriptions_sync(domain=domain)
            failed = f", failed: {', '.join(report.failed_accounts)}" if report.failed_accounts else ""
            self.stdout.write(
                f"{domain.name}: {report.accounts} Boosty account(s), {report.written} subscription(s) "
                f"written, {report.ended} ended{failed}"
            )
