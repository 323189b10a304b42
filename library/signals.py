"""Signals the library sends for other apps (the library imports none of them)."""

from django.dispatch import Signal

#: Sent by ``library.items.services`` inside the transaction that soft-deletes items, with
#: ``item_ids`` (the ids of the items it deleted). Receivers run in that transaction, after the
#: items (and their folders) are locked: they may lock rows of their own tables, never items.
items_soft_deleted = Signal()
