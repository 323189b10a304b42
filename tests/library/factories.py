"""Kept for older imports: the factories live in ``tests.support.factories``."""

from tests.support.factories.accounts import UserFactory
from tests.support.factories.library import FolderFactory, ItemFactory, TagFactory, png_bytes

__all__ = ["FolderFactory", "ItemFactory", "TagFactory", "UserFactory", "png_bytes"]
