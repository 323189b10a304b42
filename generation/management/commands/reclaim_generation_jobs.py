"""``python manage.py reclaim_generation_jobs``: queue again running jobs whose lease expired.

The beat task ``generation.reclaim_jobs`` does the same every
``AIMG_GENERATION_RECLAIM_SECONDS``; this is for staff, or a cron without beat.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from generation.services import jobs_reclaim


class Command(BaseCommand):
    help = "Queue again the running generation jobs whose worker stopped renewing its lease."

    def handle(self, *args, **options) -> None:
        count = jobs_reclaim()
        self.stdout.write(f"{count} job(s) queued again.")
