"""Reads of platform tables."""

from __future__ import annotations

from email.utils import formataddr

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .models import Domain

_HOST_PREFIXES = ("api.", "staging-api.")
_domains: dict[str, Domain] | None = None


def domains_by_name() -> dict[str, Domain]:
    """Every domain row by name, loaded once per process (domains change only by migration)."""
    global _domains
    if _domains is None:
        _domains = {domain.name: domain for domain in Domain.objects.all()}
    return _domains


def domain_clear_cache() -> None:
    """Forget the cached rows (tests that add or edit domains call this)."""
    global _domains
    _domains = None


def domain_name_for_host(host: str, known_names) -> str:
    """Map a Host header to a domain name (CONTRACT.md "Domains").

    ``api.sexy.ai`` and ``staging-api.sexy.ai`` map to ``sexy.ai``; a bare
    domain name maps to itself; anything else to ``AIMG_DEFAULT_DOMAIN``.
    """
    host = host.strip().lower()
    if not host.startswith("["):
        host = host.rsplit(":", 1)[0]
    host = host.rstrip(".")
    for prefix in _HOST_PREFIXES:
        if host.startswith(prefix) and host[len(prefix) :] in known_names:
            return host[len(prefix) :]
    if host in known_names:
        return host
    return settings.AIMG_DEFAULT_DOMAIN


def domain_for_host(host: str) -> Domain:
    domains = domains_by_name()
    name = domain_name_for_host(host, domains)
    try:
        return domains[name]
    except KeyError:
        raise ImproperlyConfigured(f"AIMG_DEFAULT_DOMAIN {name!r} is not a row of core.Domain.") from None


def domain_get(name: str) -> Domain:
    """A domain by name; raises ``Domain.DoesNotExist``."""
    domain = domains_by_name().get(name)
    if domain is None:
        raise Domain.DoesNotExist(f"No domain named {name!r}.")
    return domain


def domain_api_base_url(domain: Domain) -> str:
    """The public origin of this API for ``domain``, built from configuration, never from a request.

    ``AIMG_API_BASE_URL`` when set (one origin for every site: local
    development, a single-host deployment); else ``https://api.<name>``, or
    ``https://staging-api.<name>`` for a staging row (CONTRACT.md "Domains").
    No trailing slash.
    """
    if settings.AIMG_API_BASE_URL:
        return settings.AIMG_API_BASE_URL.rstrip("/")
    prefix = "staging-api." if domain.environment == Domain.Environment.STAGING else "api."
    return f"https://{prefix}{domain.name}"


def domain_sender(domain: Domain) -> str:
    """The ``From`` of mail sent for ``domain`` (OTP codes): ``AIMG_FROM_EMAIL`` filled in.

    In the template, ``{domain}`` is the domain's name and ``{display_name}`` its
    display name (default ``"{display_name} <no-reply@{domain}>"``, so
    ``Sexy.AI <no-reply@sexy.ai>``); a template without them is one sender for
    every site. The name is quoted as RFC 5322 needs (a comma or a quote in it).
    """
    template = settings.AIMG_FROM_EMAIL.strip()
    name, bracket, rest = template.rpartition("<")
    if bracket:
        name, address = name.strip().strip('"'), rest.rstrip(">").strip()
    else:
        name, address = "", template
    fill = {"{domain}": domain.name, "{display_name}": domain.display_name or domain.name}
    for placeholder, value in fill.items():
        name, address = name.replace(placeholder, value), address.replace(placeholder, value)
    return formataddr((name, address))
