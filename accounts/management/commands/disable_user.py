"""``manage.py disable_user --email E [--domain D] [--delete-items]``: the staff side of ``deleteUser``."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.users.services import user_delete
from aimg_site.core.scoping import domain_context
from aimg_site.core.services import audit_log_record

from ._domain import add_domain_argument, resolve_domain


class Command(BaseCommand):
    help = "Disable (delete) a user's account and end all their sessions; optionally delete their items."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--delete-items", action="store_true", help="Also soft-delete the user's items.")
        add_domain_argument(parser)

    def handle(self, *args, email: str, domain: str | None, delete_items: bool, **options):
        site = resolve_domain(domain)
        with domain_context(site):
            user = User.objects.filter(email__iexact=email.strip(), is_guest=False).first()
            if user is None:
                raise CommandError(f"No user with email {email!r} on {site.name}.")
            user_delete(user=user, delete_items=delete_items)
            audit_log_record(
                action="disable_user", target=user, details={"via": "command", "deleteItems": delete_items}
            )
        self.stdout.write(
            f"Disabled {user.email} on {site.name}{' and deleted their items' if delete_items else ''}."
        )
