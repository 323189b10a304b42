"""Temporary re-export for ``accounts``, which imports ``library.selectors.user_library_counts``.

The library's reads live in ``library/<concern>/selectors.py``. Delete this package once
``accounts`` imports ``library.items.selectors`` (it is being reshaped on its own branch).
"""

from library.items.selectors import user_library_counts

__all__ = ["user_library_counts"]
