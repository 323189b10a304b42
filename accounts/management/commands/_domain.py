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
