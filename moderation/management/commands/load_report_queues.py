"""``python manage.py load_report_queues [--domain D | --all-domains]``: the default report queues
(idempotent: missing queues are created, existing ones and their console edits kept)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from accounts.management.commands._domain import add_domains_arguments, resolve_domains
from moderation.queues.services import report_queues_load


class Command(BaseCommand):
    help = "Create the default report queues a domain lacks; idempotent."

    def add_arguments(self, parser) -> None:
        add_domains_arguments(parser, default_all=False)

    def handle(self, *args, **options) -> None:
        domains = resolve_domains(options, default_all=False)
        for domain in domains:
            created = report_queues_load(domain=domain)
            self.stdout.write(f"{domain.name}: {created} report queue(s) created")
