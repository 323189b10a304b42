"""Celery tasks of the library (periodic housekeeping; beat's schedule is in settings)."""

from __future__ import annotations

from celery import shared_task

from library.items.counts import library_counts_fold_all, public_counts_fold_all


@shared_task(name="library.fold_library_counts")
def fold_library_counts() -> None:
    """Fold every user's library count entries into one each (reads then sum one row), and the
    folders' and tags' public entries likewise."""
    library_counts_fold_all()
    public_counts_fold_all()
