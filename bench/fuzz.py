"""Fuzz the live stack with schemathesis's own CLI, every check on, for a bounded time.

Run: ``make fuzz`` (``FUZZ_SECONDS``, default 300). The script starts what it tests and stops it:

1. a fresh database: ``FUZZ_DATABASE_URL`` if set (a PostgreSQL database that is dropped and
   made again, then dropped at the end), else, when ``DATABASE_URL`` is PostgreSQL, a database
   named after it with ``_fuzz`` on the same server, else a SQLite file in a temporary folder;
   ``migrate`` fills it. ``REDIS_URL`` is used when set (rate limits, cache), under a key prefix
   of this run;
2. a staff user (``createsuperuser``) with an admin key (``create_admin_key``), and two users
   signed in through the API itself (``createUser``): one whose session every operation uses,
   one for the operations that end their own session (``signOutUser``, ``deleteUser``);
3. gunicorn from the repository root, so that ``gunicorn.conf.py`` applies, on a free port of
   127.0.0.1 (``FUZZ_PORT`` to choose), with production settings (``DEBUG`` off);
4. ``schemathesis run`` against ``/api/schema/`` with ``--checks all`` and the coverage and
   fuzzing phases, twice, each for half the time: as the signed-in user (admin-only operations
   must answer their documented 403), then with the admin key as well.

It exits non-zero when either run reports a failure that ``bench/fuzz-baseline.json`` does not
record: schemathesis's baseline lists failures that are known and reported (in app code, left
for their owners; each entry says why). Both runs share it, since what they find does not depend
on the key. ``FUZZ_BASELINE=update`` adds what a run finds, ``off`` ignores the file; a fixed
failure is removed from the file by hand (schemathesis's ``--baseline-prune`` would let the first
run drop what only the second one tests). The JUnit reports are kept in ``FUZZ_REPORT_DIR``
(default ``var/fuzz/``). ``FUZZ_SEED`` makes a run repeatable; ``FUZZ_ARGS`` adds schemathesis flags.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
BASELINE = ROOT / "bench" / "fuzz-baseline.json"
REJECTIONS = [
    "400",
    "401",
    "403",
    "404",
    "405",
    "406",
    "409",
    "413",
    "414",
    "415",
    "422",
    "428",
    "429",
    "5xx",
]


def log(text: str) -> None:
    print(f"fuzz: {text}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _pg_admin(url: str, statements: list[str]) -> None:
    """Run statements on the server's maintenance database (CREATE/DROP DATABASE)."""
    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def fresh_database(work: Path) -> tuple[str, str | None]:
    """The DATABASE_URL for the server, and the PostgreSQL database to drop at the end (or None)."""
    url = os.environ.get("FUZZ_DATABASE_URL", "")
    if not url:
        base = os.environ.get("DATABASE_URL", "")
        if base.startswith(("postgres://", "postgresql://")):
            parts = urlsplit(base)
            url = urlunsplit(parts._replace(path=parts.path.rstrip("/") + "_fuzz"))
    if not url:
        return f"sqlite:///{work / 'fuzz.sqlite3'}", None
    name = urlsplit(url).path.lstrip("/")
    if not name.replace("_", "").isalnum() or not name.isascii():
        raise SystemExit(f"fuzz: refusing the database name {name!r}")
    _pg_admin(url, [f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'])
    return url, name


def manage(env: dict, *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        raise SystemExit(f"fuzz: manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def call(port: int, method: str, path: str, body: dict | None = None, headers: dict | None = None):
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request(
            method,
            path,
            body=json.dumps(body) if body is not None else None,
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        conn.close()


def wait_ready(port: int, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("fuzz: gunicorn exited during start-up")
        try:
            status, _ = call(port, "GET", "/health")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("fuzz: gunicorn did not answer /health in time")


def signed_in_session(port: int, email: str) -> str:
    status, body = call(
        port, "POST", "/createUser", {"email": email, "password": "Fuzz-9" + secrets.token_urlsafe(12)}
    )
    if status != 200:
        raise SystemExit(f"fuzz: createUser for {email} answered {status}: {body}")
    return body["payload"]["sessionID"]


def write_config(path: Path, *, session: str, spare_session: str, admin_key: str | None) -> None:
    """schemathesis.toml: headers for every operation, a spare session for those that end one.

    Headers live here rather than in ``-H`` flags: command-line headers would win over the
    per-operation ones.
    """
    headers = {"X-Session-ID": session}
    if admin_key:
        headers["X-Administration-Key"] = admin_key
    spare = {**headers, "X-Session-ID": spare_session}

    def table(values: dict) -> str:
        return "{ " + ", ".join(f"{json.dumps(k)} = {json.dumps(v)}" for k, v in values.items()) + " }"

    path.write_text(
        f"headers = {table(headers)}\n\n"
        # A request too large for the server is rejected too: 413 (body) and 414 (request line,
        # from gunicorn.conf.py's limit) join schemathesis's list of rejections.
        "[checks.negative_data_rejection]\n"
        f"expected-statuses = {json.dumps(REJECTIONS)}\n\n"
        "[[operations]]\n"
        'include-operation-id = ["signOutUser", "deleteUser"]\n'
        f"headers = {table(spare)}\n"
    )


def run_schemathesis(*, name: str, port: int, config: Path, seconds: int, reports: Path) -> int:
    command = [
        str(BIN / "schemathesis"),
        "--config-file",
        str(config),
        "run",
        f"http://{HOST}:{port}/api/schema/",
        "--checks",
        "all",
        "--phases",
        "coverage,fuzzing",
        "--max-time",
        str(seconds),
        "--continue-on-failure",
        # One worker: generation is CPU-bound under the GIL, so more threads add little, and with two
        # schemathesis 4.32 intermittently aborted an operation with an internal error
        # ("AST constructor recursion depth mismatch" while Hypothesis describes a strategy).
        "--workers",
        os.environ.get("FUZZ_WORKERS", "1"),
        "--request-timeout",
        "30",
        "--suppress-health-check",
        "all",
        "--no-color",
        "--report",
        "junit",
        "--report-junit-path",
        str(reports / f"{name}.junit.xml"),
    ]
    if os.environ.get("FUZZ_SEED"):
        command += ["--seed", os.environ["FUZZ_SEED"]]
    # More schemathesis flags, e.g. FUZZ_ARGS="--include-operation-id getBatchItems".
    command += shlex.split(os.environ.get("FUZZ_ARGS", ""))
    mode = os.environ.get("FUZZ_BASELINE", "")
    if mode != "off":
        # schemathesis makes a missing baseline from the run itself, which would accept everything.
        if not BASELINE.exists() and mode != "update":
            raise SystemExit(f"fuzz: {BASELINE} is missing (FUZZ_BASELINE=update makes it)")
        command += ["--baseline", str(BASELINE)]
        if mode == "update":
            command.append("--baseline-update")
    log(f"{name}: schemathesis run, {seconds}s")
    started = time.monotonic()
    result = subprocess.run(command, cwd=reports, check=False)
    log(f"{name}: exit {result.returncode} after {time.monotonic() - started:.0f}s")
    return result.returncode


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=35)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _terminated(signum, frame):
    raise KeyboardInterrupt  # run the clean-up below (stop the server, drop the database)


def main() -> int:
    signal.signal(signal.SIGTERM, _terminated)
    seconds = int(os.environ.get("FUZZ_SECONDS", "300"))
    reports = Path(os.environ.get("FUZZ_REPORT_DIR", ROOT / "var" / "fuzz")).resolve()
    reports.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="aimg-fuzz-"))
    server = None
    drop = None
    database_url = ""
    try:
        database_url, drop = fresh_database(work)
        port = int(os.environ.get("FUZZ_PORT") or free_port())
        sqlite = database_url.startswith("sqlite")
        env = {key: value for key, value in os.environ.items() if not key.startswith(("AIMG_", "DJANGO_"))}
        env.update(
            DJANGO_SETTINGS_MODULE="aimg_site.settings",
            DEBUG="false",
            SECRET_KEY=secrets.token_urlsafe(48),
            DATABASE_URL=database_url,
            AIMG_VAR_DIR=str(work / "var"),
            # Emails (OTPs) are files under the temporary folder, sent on the request's thread:
            # nothing is left queued in a broker after the run.
            AIMG_CELERY_EAGER="true",
            AIMG_RATELIMIT_KEY_PREFIX=f"aimg-fuzz-{uuid.uuid4().hex[:8]}",
            # SQLite serializes writers: one worker process, or requests would wait on its lock.
            WEB_CONCURRENCY=os.environ.get("WEB_CONCURRENCY") or ("1" if sqlite else "2"),
        )
        env.pop("EMAIL_URL", None)
        log(f"database {database_url.rsplit('@', 1)[-1]}: migrate")
        manage(env, "migrate", "--noinput", "-v0")
        admin_email = "fuzz-admin@example.com"
        manage(
            {**env, "DJANGO_SUPERUSER_PASSWORD": "Fuzz-9" + secrets.token_urlsafe(16)},
            "createsuperuser",
            "--noinput",
            "--email",
            admin_email,
        )
        admin_key = manage(env, "create_admin_key", "--email", admin_email).strip().splitlines()[-1]

        log(f"gunicorn on {HOST}:{port}")
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "aimg_site.wsgi", "--bind", f"{HOST}:{port}"],
            cwd=ROOT,
            env=env,
            stdout=open(reports / "gunicorn.log", "w"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )
        wait_ready(port, server)
        session = signed_in_session(port, "fuzz-user@example.com")
        spare = signed_in_session(port, "fuzz-spare@example.com")
        spare_admin = signed_in_session(port, "fuzz-spare-admin@example.com")

        failed = 0
        for name, key, spare_session in (("user", None, spare), ("admin", admin_key, spare_admin)):
            config = work / f"{name}.toml"
            write_config(config, session=session, spare_session=spare_session, admin_key=key)
            code = run_schemathesis(
                name=name, port=port, config=config, seconds=max(1, seconds // 2), reports=reports
            )
            failed |= code
            if server.poll() is not None:
                log("gunicorn died during the run")
                failed = 1
                break
        log(f"reports in {reports}")
        return 1 if failed else 0
    finally:
        if server is not None:
            stop(server)
        if drop:
            _pg_admin(database_url, [f'DROP DATABASE IF EXISTS "{drop}" WITH (FORCE)'])
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
