"""The AIMG back-end project package: settings, URLs, Celery app, and the shared API layer."""

from .celery import app as celery_app

__all__ = ("celery_app",)
