"""``python manage.py load_report_queues [--domain D | --all-domains]``: the default report queues
(idempotent: missing queues are created, existing ones and their console edits kept)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from accounts.management.commands._domain import add_domain_argument, resolve_domain
from aimg_site.core.models import Domain
from moderation.queues.services import report_queues_load


class Command(BaseCommand):
    help = "Create the default report queues a domain lacks; idempotent."

    def add_arguments(self, parser) -> None:
        add_domain_argument(parser)
        parser.add_argument("--all-domains", action="store_true", help="Every domain.")

    def handle(self, *args, **options) -> None:
        if options["all_domains"]:
            domains = list(Domain.objects.order_by("name"))
        else:
            domains = [resolve_domain(options["domain"])]
        for domain in domains:
            created = report_queues_load(domain=domain)
            self.stdout.write(f"{domain.name}: {created} report queue(s) created")
