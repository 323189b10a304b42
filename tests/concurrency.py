"""Kept for older imports: the racing helpers live in ``tests.support.concurrency``."""

from tests.support.concurrency import race, race_calls

__all__ = ["race", "race_calls"]
