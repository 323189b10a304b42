"""The Celery application.

Tasks carry ids only (JSON serialization), never model instances: the
database row is the source of truth and a task re-fetches what it needs.
The broker is ``REDIS_URL`` in production; without it, the embedded default
is Kombu's filesystem transport under ``var/celery/`` so that ``make run``
starts a real worker process with no server installed (docs/decisions.md).
"""

import logging.config
import os

from celery import Celery
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aimg_site.settings")

app = Celery("aimg_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def use_django_logging(**kwargs) -> None:
    """Workers and beat log JSON lines as the web process does (``settings.LOGGING``, level
    ``LOG_LEVEL``), instead of Celery's plain-text format."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
