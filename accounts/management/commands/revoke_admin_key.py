"""``manage.py revoke_admin_key (--prefix P | --email E) [--domain D]``."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from accounts.admin_keys.services import admin_key_revoke
from accounts.models import AdminKey
from aimg_site.core.scoping import domain_context
from aimg_site.core.services import audit_log_record

from ._domain import add_domain_argument, resolve_domain


class Command(BaseCommand):
    help = "Revoke admin keys: one by its prefix (as shown at creation), or every key of a staff user."

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--prefix", help="The first characters of the key (at least 8).")
        group.add_argument("--email", help="Revoke every active key of this user.")
        add_domain_argument(parser)

    def handle(self, *args, prefix: str | None, email: str | None, domain: str | None, **options):
        site = resolve_domain(domain)
        with domain_context(site):
            keys = AdminKey.objects.filter(revoked_at__isnull=True).select_related("user")
            if prefix:
                if len(prefix) < 8:
                    raise CommandError("Give at least 8 characters of the key.")
                keys = [
                    key
                    for key in keys.filter(prefix__startswith=prefix[:12])
                    if prefix.startswith(key.prefix) or key.prefix.startswith(prefix)
                ]
            else:
                keys = list(keys.filter(user__email__iexact=email))
            if not keys:
                raise CommandError("No active key matches.")
            for key in keys:
                admin_key_revoke(key=key)
                audit_log_record(
                    action="revoke_admin_key", target=key, actor=key.user, details={"via": "command"}
                )
                self.stdout.write(f"Revoked {key.prefix}… of {key.user.email}.")
