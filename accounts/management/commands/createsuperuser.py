"""``manage.py createsuperuser [--domain D]``: Django's command, within one domain.

Users belong to a domain (emails are unique per domain), so the command binds
the domain (``--domain``, default ``AIMG_DEFAULT_DOMAIN``) around Django's own.
The user can then sign in to the admin console at ``/console/`` on that
domain's host.
"""

from __future__ import annotations

from django.contrib.auth.management.commands import createsuperuser

from aimg_site.core.scoping import domain_context

from ._domain import add_domain_argument, resolve_domain


class Command(createsuperuser.Command):
    help = "Create a superuser (staff, admin role) with a password, in one domain."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        add_domain_argument(parser)

    def _validate_username(self, username, verbose_field_name, database):
        # Emails are unique per domain (a constraint, not unique=True), so Django skips its check.
        manager = self.UserModel._default_manager.db_manager(database)
        if username and manager.filter(email__iexact=username).exists():
            return f"Error: That {verbose_field_name} is already taken."
        return super()._validate_username(username, verbose_field_name, database)

    def execute(self, *args, **options):
        site = resolve_domain(options.pop("domain", None))
        with domain_context(site):
            return super().execute(*args, **options)
