"""Domain scoping as the default path.

``DomainMiddleware`` binds the request's ``Domain`` to a context variable for
the duration of the request. Models that belong to a domain inherit
``DomainScopedModel``: their default manager ``objects`` filters by the bound
domain, and raises ``DomainNotBound`` when none is bound, so code that forgot
about domains fails loudly instead of reading another site's rows.

Outside a request (Celery tasks, management commands) bind explicitly::

    with domain_context(job.domain):
        ...

or reach across domains on purpose with ``Model.all_domains`` (say why).
New rows get the bound domain when ``domain`` is not given.
"""

from __future__ import annotations

import contextlib
from contextvars import ContextVar
from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from .models import Domain

_current_domain: ContextVar[Domain | None] = ContextVar("aimg_current_domain", default=None)


class DomainNotBound(RuntimeError):
    """A domain-scoped query ran with no domain bound (a programming error)."""


def current_domain() -> Domain:
    domain = _current_domain.get()
    if domain is None:
        raise DomainNotBound(
            "No domain is bound. Use domain_context(domain) outside requests, "
            "or Model.all_domains for a deliberate cross-domain query."
        )
    return domain


def bind_domain(domain: Domain | None):
    """Bind ``domain``; returns a token for ``unbind_domain``."""
    return _current_domain.set(domain)


def unbind_domain(token) -> None:
    _current_domain.reset(token)


@contextlib.contextmanager
def domain_context(domain: Domain):
    token = bind_domain(domain)
    try:
        yield domain
    finally:
        unbind_domain(token)


class DomainScopedQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        """``bulk_create`` skips ``save()``: give rows without a domain the bound one."""
        objs = list(objs)
        missing = [obj for obj in objs if obj.domain_id is None]
        if missing:
            domain = current_domain()
            for obj in missing:
                obj.domain = domain
        return super().bulk_create(objs, *args, **kwargs)


class DomainScopedManager(models.Manager.from_queryset(DomainScopedQuerySet)):  # type: ignore[misc]
    """Default manager of domain-owned models: only the bound domain's rows."""

    def get_queryset(self):
        return super().get_queryset().filter(domain_id=current_domain().pk)

    def for_domain(self, domain: Domain):
        """The rows of an explicit domain, whatever is bound."""
        return super().get_queryset().filter(domain_id=domain.pk)


class DomainScopedModel(models.Model):
    """Abstract base of every table whose rows belong to one domain."""

    domain = models.ForeignKey("core.Domain", on_delete=models.PROTECT, related_name="+", editable=False)

    objects = DomainScopedManager()
    all_domains = models.Manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.domain_id is None:
            self.domain = current_domain()
        super().save(*args, **kwargs)
