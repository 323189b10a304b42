"""ingestLogs reads nothing of its own: the default service name comes from the request's domain."""

from __future__ import annotations

from aimg_site.core.models import Domain

from .services import default_service_name


def service_name_for_domain(domain: Domain) -> str:
    """``FrontEnd/Client/{DomainDisplayName}/{EnvironmentIdentifier}`` of ``domain``."""
    return default_service_name(display_name=domain.display_name, environment=domain.environment)
