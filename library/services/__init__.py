"""Temporary re-exports for ``accounts``, which imports these from ``library.services``.

The library's writes live in ``library/<concern>/services.py``. Delete this package once
``accounts`` imports ``library.items.services`` (it is being reshaped on its own branch).
"""

from library.items.services import items_delete_all_for_user, library_transfer_user_items

__all__ = ["items_delete_all_for_user", "library_transfer_user_items"]
