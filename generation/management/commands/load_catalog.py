"""``python manage.py load_catalog [--domain D]``: load the versioned catalog (idempotent).

Loads ``generation/catalog/*.json`` into every domain (production runs the plain command once
after ``migrate``, and every site needs its models), or into the one ``--domain`` names; running
it again updates the rows in place. ``--all-domains`` is the default said explicitly.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from accounts.management.commands._domain import add_domains_arguments, resolve_domains
from generation.catalog import CatalogError, catalog_check, catalog_load


class Command(BaseCommand):
    help = "Load the generation catalog (models, sample prompts) into every site or one; idempotent."

    def add_arguments(self, parser) -> None:
        add_domains_arguments(parser, default_all=True)

    def handle(self, *args, **options) -> None:
        domains = resolve_domains(options, default_all=True)
        try:
            catalog_check()
        except CatalogError as exc:
            raise CommandError(str(exc)) from exc
        for domain in domains:
            report = catalog_load(domain=domain)
            parts = ", ".join(
                f"{name}: {n['created']} new, {n['updated']} updated" for name, n in report.items()
            )
            self.stdout.write(f"{domain.name}: {parts}")
