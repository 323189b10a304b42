"""``manage.py pgquery_role``: create or update pgQuery's PostgreSQL role and its grants.

Run it after every ``migrate`` (new tables get no grant until it runs again), as a user allowed to
create roles. Idempotent.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from aimg_site.technical.pgquery.services import pgquery_role_apply


class Command(BaseCommand):
    help = (
        "Create or update the read-only PostgreSQL role pgQuery runs as (AIMG_PGQUERY_USER) and its grants."
    )

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("pgQuery needs PostgreSQL (DATABASE_URL is not a PostgreSQL database).")
        from django.conf import settings

        granted = pgquery_role_apply(stdout=self.stdout)
        self.stdout.write(
            f"role {settings.AIMG_PGQUERY_USER} may read {len(granted)} tables: {', '.join(granted)}"
        )
