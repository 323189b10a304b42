"""``manage.py set_abuse_level --email E --level N [--domain D]``: the staff side of ``setUserAbuseLevel``."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.users.abuse import ABUSE_LEVEL_MAX, ABUSE_LEVEL_MIN
from accounts.users.services import user_set_abuse_level
from aimg_site.core.scoping import domain_context
from aimg_site.core.services import audit_log_record

from ._domain import add_domain_argument, resolve_domain


class Command(BaseCommand):
    help = "Set a user's abuse level (0 none, 1 no generation, 9 signed out everywhere and refused sign-in)."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument(
            "--level", required=True, type=int, choices=range(ABUSE_LEVEL_MIN, ABUSE_LEVEL_MAX + 1)
        )
        add_domain_argument(parser)

    def handle(self, *args, email: str, level: int, domain: str | None, **options):
        site = resolve_domain(domain)
        with domain_context(site):
            user = User.objects.filter(email__iexact=email.strip(), is_guest=False).first()
            if user is None:
                raise CommandError(f"No user with email {email!r} on {site.name}.")
            previous = user.abuse_level
            user_set_abuse_level(user=user, level=level)
            audit_log_record(
                action="set_abuse_level",
                target=user,
                details={"via": "command", "from": previous, "abuse": level},
            )
        self.stdout.write(f"Abuse level of {user.email} on {site.name}: {previous} -> {level}.")
