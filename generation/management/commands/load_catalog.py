"""``python manage.py load_catalog [--domain D | --all-domains]``: load the versioned catalog (idempotent).

Loads ``generation/catalog/*.json`` (models, sample prompts) into one domain
(default ``AIMG_DEFAULT_DOMAIN``) or every domain; running it again updates the
rows in place.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from accounts.management.commands._domain import add_domain_argument, resolve_domain
from aimg_site.core.models import Domain
from generation.catalog import catalog_load


class Command(BaseCommand):
    help = "Load the generation catalog (models, sample prompts) into a domain; idempotent."

    def add_arguments(self, parser) -> None:
        add_domain_argument(parser)
        parser.add_argument("--all-domains", action="store_true", help="Load it into every domain.")

    def handle(self, *args, **options) -> None:
        if options["all_domains"]:
            domains = list(Domain.objects.order_by("name"))
        else:
            domains = [resolve_domain(options["domain"])]
        for domain in domains:
            report = catalog_load(domain=domain)
            parts = ", ".join(
                f"{name}: {n['created']} new, {n['updated']} updated" for name, n in report.items()
            )
            self.stdout.write(f"{domain.name}: {parts}")
