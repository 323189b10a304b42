"""Rate limits on the embedded default are one count for every process (issue 13, item 8).

Without ``REDIS_URL`` the counters used to live in each process's memory, so
``gunicorn -w 2`` doubled every limit (and a restart reset them). The embedded
default keeps them in a SQLite file under ``var/`` instead, updated by one
atomic statement per hit.
"""

from __future__ import annotations

import time

import pytest

from tests.embedded import embedded_env, finish, start_python

HITS_PER_PROCESS = 10
LIMIT = 10

HIT_THE_LIMIT = f"""
import json
from aimg_site.api import ratelimit
from aimg_site.api.exceptions import RateLimited

ratelimit.register("two-processes", "{LIMIT}/hour", "Too many.")
passed = 0
for _ in range({HITS_PER_PROCESS}):
    try:
        ratelimit.hit("two-processes", key="victim@example.com")
        passed += 1
    except RateLimited:
        pass
print(json.dumps(passed))
"""


def test_two_processes_on_the_embedded_default_share_one_count(tmp_path):
    env = embedded_env(tmp_path)
    processes = [start_python(HIT_THE_LIMIT, env) for _ in range(2)]
    passed = [finish(process) for process in processes]
    assert sum(passed) == LIMIT, passed


def test_the_embedded_default_keeps_counters_in_a_file_under_var(tmp_path):
    uri = finish(
        start_python(
            "import json\nfrom django.conf import settings\n"
            "print(json.dumps(settings.AIMG_RATELIMIT_STORAGE_URI))",
            embedded_env(tmp_path),
        )
    )
    assert uri == f"sqlite:///{tmp_path / 'ratelimits.sqlite3'}"


@pytest.fixture
def storage(tmp_path):
    from aimg_site.api.ratelimit_sqlite import SQLiteStorage

    return SQLiteStorage(f"sqlite:///{tmp_path / 'limits.sqlite3'}", key_prefix="test")


def test_a_counter_counts_until_it_expires_then_starts_again(storage, monkeypatch):
    assert storage.incr("k", expiry=60) == 1
    assert storage.incr("k", expiry=60, amount=2) == 3
    assert storage.get("k") == 3
    expires = storage.get_expiry("k")
    assert time.time() + 55 < expires <= time.time() + 60
    later = time.time() + 61
    monkeypatch.setattr("aimg_site.api.ratelimit_sqlite.time.time", lambda: later)
    assert storage.get("k") == 0
    assert storage.incr("k", expiry=60) == 1
    assert storage.get_expiry("k") == pytest.approx(later + 60)


def test_clear_and_reset_forget_counters_of_their_own_prefix_only(storage, tmp_path):
    from aimg_site.api.ratelimit_sqlite import SQLiteStorage

    other = SQLiteStorage(f"sqlite:///{tmp_path / 'limits.sqlite3'}", key_prefix="other")
    storage.incr("a", expiry=60)
    storage.incr("b", expiry=60)
    other.incr("a", expiry=60)
    storage.clear("a")
    assert storage.get("a") == 0 and storage.get("b") == 1
    assert storage.reset() == 1
    assert storage.get("b") == 0
    assert other.get("a") == 1
    assert storage.check()


def test_a_relative_path_is_refused():
    from aimg_site.api.ratelimit_sqlite import SQLiteStorage

    with pytest.raises(ValueError):
        SQLiteStorage("sqlite:///var/limits.sqlite3")
