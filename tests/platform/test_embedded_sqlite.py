"""The embedded SQLite default under concurrent writers (issue 13, item 11).

SQLite lets one writer at a time. A Django transaction on SQLite starts
deferred: it reads first and asks for the write lock later, and a reader that
then needs to write while another connection writes gets "database is locked"
at once, whatever the busy timeout. Starting every transaction with
``BEGIN IMMEDIATE`` makes writers queue for the lock (up to the timeout)
instead. The test runs the production settings in a fresh process on a real
database file, with threads that each have their own connection.
"""

from __future__ import annotations

from tests.embedded import embedded_env, run_python

WRITERS = 8

CONCURRENT_KVP_WRITERS = f"""
import json, threading, uuid
from django.core.management import call_command
from django.test import Client

call_command("migrate", verbosity=0)

from accounts.models import User
from accounts.sessions.services import session_rotate
from aimg_site.core.scoping import domain_context
from aimg_site.core.selectors import domain_get
from django.db import connection

with domain_context(domain_get("freejourney.ai")):
    user = User.objects.create_user(email="kvp@example.com")
    session, _ = session_rotate(old_key=None, user=user)
connection.close()

barrier = threading.Barrier({WRITERS})
statuses = [None] * {WRITERS}

def write(i):
    client = Client(HTTP_HOST="api.freejourney.ai")
    barrier.wait()
    for round in range(5):
        response = client.post(
            "/setUserKVP",
            {{"key": f"key-{{i}}-{{round}}", "value": "x" * 1000}},
            content_type="application/json",
            headers={{"X-Session-ID": str(session)}},
        )
        if response.status_code != 200:
            statuses[i] = (response.status_code, response.content.decode()[:300])
            break
    else:
        statuses[i] = 200
    connection.close()

threads = [threading.Thread(target=write, args=(i,)) for i in range({WRITERS})]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
with domain_context(domain_get("freejourney.ai")):
    stored = user.kvps.count()
print(json.dumps({{"statuses": statuses, "stored": stored}}))
"""


def test_concurrent_writers_on_the_sqlite_default_wait_for_the_lock_instead_of_failing(tmp_path):
    result = run_python(CONCURRENT_KVP_WRITERS, embedded_env(tmp_path, AIMG_RATELIMIT_ENABLED="false"))
    assert result["statuses"] == [200] * WRITERS, result
    assert result["stored"] == WRITERS * 5


def test_the_sqlite_default_starts_transactions_immediately_with_a_busy_timeout(tmp_path):
    options = run_python(
        "import json\nfrom django.conf import settings\n"
        "print(json.dumps(settings.DATABASES['default']['OPTIONS']))",
        embedded_env(tmp_path),
    )
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 5
