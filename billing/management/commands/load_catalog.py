"""``python manage.py load_catalog [--domain D | --all-domains]``: the generation catalog, then the
billing plans (idempotent).

This command takes the place of ``generation``'s own (``billing`` is listed
before ``generation`` in ``INSTALLED_APPS``, and Django lets the earlier app's
command of a name win): it runs that command unchanged, then loads
``billing/catalog/plans.json`` into the same domains.
"""

from __future__ import annotations

from accounts.management.commands._domain import resolve_domains
from billing.catalog import plans_catalog_load
from generation.management.commands.load_catalog import Command as GenerationCatalogCommand


class Command(GenerationCatalogCommand):
    help = "Load the catalog (models, sample prompts, billing plans) into a domain; idempotent."

    def handle(self, *args, **options) -> None:
        super().handle(*args, **options)
        # the same domains as the generation catalog: every site unless --domain names one
        domains = resolve_domains(options, default_all=True)
        for domain in domains:
            report = plans_catalog_load(domain=domain)
            self.stdout.write(
                f"{domain.name}: billing plans: {report['created']} new, {report['updated']} updated"
            )
