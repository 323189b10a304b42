"""Racing threads for concurrency tests (PostgreSQL; SQLite serializes writers).

Threads start with an empty context, so each binds a domain (the default one
unless told otherwise) and uses, then closes, its own database connection.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection

from aimg_site.core.scoping import domain_context
from aimg_site.core.selectors import domain_get


def race(
    n: int, fn: Callable[[int], Any], *, domain_name: str = "freejourney.ai", timeout: float = 60
) -> list:
    """Run ``fn(i)`` for ``i`` in ``range(n)`` on ``n`` threads released together by a barrier.

    Returns the results in order; an exception raised by ``fn`` is returned in
    its place (the outcome under test, often). A thread still running after
    ``timeout`` seconds fails the test.
    """
    barrier = threading.Barrier(n)
    domain = domain_get(domain_name)
    results: list = [None] * n

    def run(i: int) -> None:
        try:
            with domain_context(domain):
                barrier.wait()
                results[i] = fn(i)
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    stuck = [i for i, thread in enumerate(threads) if thread.is_alive()]
    assert not stuck, f"threads {stuck} still running after {timeout} s (a deadlock?)"
    return results


def race_calls(calls: list[Callable[[], Any]], **kwargs) -> list:
    """Run each callable on its own thread, released together; any exception fails the test."""
    results = race(len(calls), lambda i: calls[i](), **kwargs)
    errors = [result for result in results if isinstance(result, Exception)]
    assert not errors, errors
    return results
