"""``manage.py create_admin_key --email E [--domain D] [--name N]``: a personal admin key.

The key is printed once, on the last line, and never again. Before it, the
command says what making the account staff did: an account whose email was
never proven loses its password and sessions first (``user_grant_staff``).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from accounts.admin_keys.services import admin_key_create, admin_key_user_prepare
from aimg_site.api.exceptions import ApiError
from aimg_site.core.scoping import domain_context
from aimg_site.core.services import audit_log_record

from ._domain import add_domain_argument, resolve_domain


class Command(BaseCommand):
    help = "Create a personal X-Administration-Key for a staff user (made staff, or created, as needed)."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--name", default="", help="A label for the key (e.g. 'laptop').")
        add_domain_argument(parser)

    def handle(self, *args, email: str, name: str, domain: str | None, **options):
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"{email!r} is not a valid email address.") from None
        site = resolve_domain(domain)
        with domain_context(site), transaction.atomic():
            try:
                grant = admin_key_user_prepare(email=email)
            except ApiError as exc:
                raise CommandError(exc.message) from None
            key, raw_key = admin_key_create(email=email, name=name)
            audit_log_record(
                action="create_admin_key",
                target=key,
                actor=key.user,
                details={
                    "via": "command",
                    "password_removed": grant.password_removed,
                    "sessions_ended": grant.sessions_ended,
                },
            )
        self.stderr.write(grant.message)
        self.stderr.write(f"Created key {key.prefix}… for {key.user.email} on {site.name}. It is shown once:")
        self.stdout.write(raw_key)
