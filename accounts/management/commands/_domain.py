"""Shared option handling for staff commands that act within one domain."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import CommandError

from aimg_site.core.models import Domain
from aimg_site.core.selectors import domain_get


def add_domain_argument(parser) -> None:
    parser.add_argument(
        "--domain",
        default=None,
        help="The site (e.g. sexy.ai); defaults to AIMG_DEFAULT_DOMAIN.",
    )


def resolve_domain(name: str | None) -> Domain:
    name = name or settings.AIMG_DEFAULT_DOMAIN
    try:
        return domain_get(name)
    except Domain.DoesNotExist:
        raise CommandError(f"Unknown domain {name!r}.") from None


def add_domains_arguments(parser, *, default_all: bool) -> None:
    """``--domain D`` and ``--all-domains`` for commands that act on one site or on every site."""
    default = "every site" if default_all else "AIMG_DEFAULT_DOMAIN"
    parser.add_argument("--domain", default=None, help=f"Only this site (e.g. sexy.ai); default: {default}.")
    parser.add_argument("--all-domains", action="store_true", help="Every site.")


def resolve_domains(options, *, default_all: bool) -> list[Domain]:
    """The domains ``add_domains_arguments``'s options name: ``--domain``'s one, or every domain
    (``--all-domains``, or neither option when ``default_all``), or else the default domain."""
    if options["domain"] and options["all_domains"]:
        raise CommandError("Give --domain or --all-domains, not both.")
    if options["all_domains"] or (default_all and not options["domain"]):
        return list(Domain.objects.order_by("name"))
    return [resolve_domain(options["domain"])]
