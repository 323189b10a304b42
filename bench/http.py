"""Throughput of everyday endpoints under the production server, as a fraction of bare Django.

Run from the repository root::

    DATABASE_URL=postgres://USER@127.0.0.1:5432/aimg_bench_http \\
    REDIS_URL=redis://127.0.0.1:6379/6 \\
    .venv/bin/python bench/http.py [--duration 10] [--connections 16] [--only getItem,getSelfUser]

``--database-url``/``--redis-url`` may replace the variables (``BENCH_DATABASE_URL`` and
``BENCH_REDIS_URL`` are read first, so a shell that sets ``DATABASE_URL`` for the tests can point
the benchmark elsewhere). The database is created when it does not exist, migrated, and seeded
once (a later run reuses the seed): a signed-in user with a library (25 private and 3 public
folders, 300 items, 60 of them publicly visible, tags and folder thumbnails), other users'
public items, and two more users owning 30 and 100,000 items for the library-size comparison.
Use a Redis database of its own (the benchmark does not empty it).

Then it starts two servers on loopback, from the repository root (so ``gunicorn.conf.py`` applies
when there is one) with ``gunicorn -w 2 -k sync``: the project (``aimg_site.wsgi``: PostgreSQL,
Redis as cache, ``DEBUG`` off) and ``bench/bare_wsgi.py``, a bare Django app with no middleware
whose one view returns a small JSON body. For each case it runs ``wrk`` against bare Django and
then against the project for ``--duration`` seconds each, back to back, and prints both
throughputs and their ratio. The machine is shared and noisy: compare ratios, not raw figures.
Every case is checked first (a 200 envelope without an error), and a run with non-2xx answers
fails. Both servers are stopped at the end, also on Ctrl-C or an error. It also prints the SQL
queries one request of each case runs (Django's test client, in this process).
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path, where its name would shadow the
# standard library's http package (which urllib and Django import): take the folder off.
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field

ROOT = Path(__file__).resolve().parent.parent
HOST_HEADER = "api.freejourney.ai"
DOMAIN = "freejourney.ai"
SEED_VERSION = 1
MAIN_EMAIL = f"bench-http-v{SEED_VERSION}@bench.invalid"
SMALL_EMAIL = f"bench-http-small-v{SEED_VERSION}@bench.invalid"
LARGE_EMAIL = f"bench-http-large-v{SEED_VERSION}@bench.invalid"
OTHER_EMAIL = f"bench-http-other-v{SEED_VERSION}@bench.invalid"
MAIN_PRIVATE_FOLDERS = 25
MAIN_PUBLIC_FOLDERS = 3
MAIN_ITEMS = 300
MAIN_PUBLIC_ITEMS = 60
OTHER_PUBLIC_ITEMS = 100
SMALL_ITEMS = 30
LARGE_ITEMS = 100_000
TOMBSTONE_WAIT = 11  # seconds (accounts.sessions.cache.TOMBSTONE_SECONDS, and one more)


@dataclass
class Case:
    name: str
    path: str
    headers: dict[str, str]
    target: float | None = None  # the least acceptable ratio to bare Django


@dataclass
class Result:
    """One case's measurements: (bare Django req/s, project req/s) per round."""

    case: Case
    rounds: list[tuple[float, float]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        """The median of the rounds' ratios (each from two runs back to back)."""
        ratios = [rps / bare for bare, rps in self.rounds if bare]
        return statistics.median(ratios) if ratios else 0.0

    @property
    def bare_rps(self) -> float:
        return statistics.median(bare for bare, _ in self.rounds) if self.rounds else 0.0

    @property
    def rps(self) -> float:
        return statistics.median(rps for _, rps in self.rounds) if self.rounds else 0.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL", ""),
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL") or os.environ.get("REDIS_URL", "")
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per server and case")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of unmeasured load before each case")
    parser.add_argument(
        "--rounds", type=int, default=1, help="measure every case this many times; report the median ratio"
    )
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers of each server")
    parser.add_argument("--port", type=int, default=18310, help="bare Django's port; the project's is next")
    parser.add_argument("--only", default="", help="comma-separated case names (default: all)")
    parser.add_argument("--no-queries", action="store_true", help="skip counting SQL queries per case")
    parser.add_argument(
        "--in-process",
        type=int,
        default=0,
        metavar="N",
        help="no servers: run each case N times through Django's WSGI handler in this process and "
        "print CPU and wall milliseconds per request: the least of ten blocks of N/10, and their median "
        "(the least noisy guide on a shared machine)",
    )
    parser.add_argument(
        "--cprofile",
        metavar="DIR",
        default="",
        help="with --in-process: also profile the N requests of each case with cProfile, write "
        "DIR/<case>.prof and print the top functions by cumulative time",
    )
    parser.add_argument(
        "--profile",
        metavar="DIR",
        default="",
        help="sample the project's workers with py-spy during each case; write DIR/<case>.txt "
        "(collapsed stacks) and print where the time goes (throughput is then lower)",
    )
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        parser.error("a PostgreSQL --database-url (or DATABASE_URL) is required")
    if args.cprofile and not args.in_process:
        parser.error("--cprofile needs --in-process N")
    if not args.redis_url.startswith("redis"):
        parser.error("a --redis-url (or REDIS_URL) is required: the production server caches in Redis")
    if not 1 <= args.duration <= 120:
        parser.error("--duration must be between 1 and 120 seconds")
    if shutil.which("wrk") is None and not args.in_process:
        parser.error("wrk is not installed (Debian: apt-get install wrk)")
    if args.profile and py_spy() is None:
        parser.error("--profile needs py-spy (pip install py-spy)")
    return args


# ---------------------------------------------------------------- database


def ensure_database(url: str) -> None:
    """Create the database ``url`` names when it does not exist (connects to ``postgres``)."""
    import environ
    import psycopg

    cfg = environ.Env.db_url_config(url)
    name = cfg["NAME"]
    admin = psycopg.connect(
        dbname="postgres",
        user=cfg.get("USER") or None,
        password=cfg.get("PASSWORD") or None,
        host=cfg.get("HOST") or None,
        port=cfg.get("PORT") or None,
        autocommit=True,
    )
    try:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")
    finally:
        admin.close()


def _items_sql(count: int) -> str:
    """Server-side ``INSERT ... SELECT generate_series`` of ``count`` private live items, one second apart."""
    return f"""
        INSERT INTO library_item (
            id, domain_id, owner_id, batch_id, media, mtype, media_type, width, height,
            prompt, negprompt, model_id, model_name, steps, seed, subseed, subseed_strength,
            lora, lora_strength, sampler, cfgscale, restore_faces, generator_version,
            workflow_template_name, workflow_run_parameters, view_count, like_count,
            dislike_count, is_public, public_approval_status, is_protected, deleted_at,
            folder_id, folder_added_at, completed_at, created_at
        )
        SELECT
            gen_random_uuid(), %(domain)s, %(owner)s, NULL,
            'items/bench/' || i || '.png', 'image', 'StaticImage', 512, 512,
            'bench prompt ' || i, '', 'f222', 'F222', 20, i, 0, 0,
            '[]'::jsonb, '[]'::jsonb, 'DPM++ 2M Karras', 7, false, '1',
            '', NULL, 0, 0, 0, false, 'none', false, NULL,
            CASE WHEN i %% 3 = 0 THEN NULL ELSE %(folder)s::uuid END,
            now() - make_interval(secs => i), now() - make_interval(secs => i), now()
        FROM generate_series(1, {int(count)}) AS i
    """


def seed() -> dict:
    """Seed once (one transaction, so a seed is whole or absent); return ids the cases need."""
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import User
    from aimg_site.core.scoping import domain_context
    from aimg_site.core.selectors import domain_get
    from library.models import ApprovalStatus, Folder, FolderTag, FolderThumbnail, Item, ItemTag, Tag

    domain = domain_get(DOMAIN)
    with domain_context(domain):
        main = User.objects.filter(email=MAIN_EMAIL).first()
        if main is None:
            started = time.perf_counter()
            with transaction.atomic():
                main = User.objects.create_user(email=MAIN_EMAIL, username="benchmain")
                other = User.objects.create_user(email=OTHER_EMAIL, username="benchother")
                small = User.objects.create_user(email=SMALL_EMAIL, username="benchsmall")
                large = User.objects.create_user(email=LARGE_EMAIL, username="benchlarge")
                private = [
                    Folder(owner=main, name=f"private {n}", description="a folder", is_public=False)
                    for n in range(MAIN_PRIVATE_FOLDERS)
                ]
                public = [
                    Folder(owner=main, name=f"public {n}", description="", is_public=True)
                    for n in range(MAIN_PUBLIC_FOLDERS)
                ]
                other_public = Folder(owner=other, name="other public", is_public=True)
                Folder.objects.bulk_create([*private, *public, other_public])
                now = timezone.now()
                items = []
                for n in range(MAIN_ITEMS):
                    moment = now - dt.timedelta(minutes=n)
                    is_public = n < MAIN_PUBLIC_ITEMS
                    if is_public:
                        folder = public[n % MAIN_PUBLIC_FOLDERS]
                    elif n % 4 == 0:
                        folder = None
                    else:
                        folder = private[n % MAIN_PRIVATE_FOLDERS]
                    items.append(
                        Item(
                            owner=main,
                            folder=folder,
                            media=f"items/bench/main-{n}.png",
                            width=512,
                            height=512,
                            prompt=f"a red fox number {n}",
                            model_id="f222",
                            model_name="F222",
                            is_public=is_public,
                            public_approval_status=ApprovalStatus.APPROVED
                            if is_public
                            else ApprovalStatus.NONE,
                            folder_added_at=moment,
                            completed_at=moment,
                        )
                    )
                for n in range(OTHER_PUBLIC_ITEMS):
                    moment = now - dt.timedelta(minutes=n, seconds=30)
                    items.append(
                        Item(
                            owner=other,
                            folder=other_public,
                            media=f"items/bench/other-{n}.png",
                            prompt=f"a blue heron number {n}",
                            is_public=True,
                            public_approval_status=ApprovalStatus.APPROVED,
                            folder_added_at=moment,
                            completed_at=moment,
                        )
                    )
                for n in range(SMALL_ITEMS):
                    moment = now - dt.timedelta(hours=1, minutes=n)
                    items.append(
                        Item(
                            owner=small,
                            media=f"items/bench/small-{n}.png",
                            folder_added_at=moment,
                            completed_at=moment,
                        )
                    )
                Item.objects.bulk_create(items, batch_size=500)
                tags = [Tag(name=name) for name in ("fox", "forest", "night", "portrait")]
                Tag.objects.bulk_create(tags)
                main_items = [item for item in items if item.owner_id == main.pk]
                ItemTag.objects.bulk_create(
                    [ItemTag(item=item, tag=tags[n % len(tags)]) for n, item in enumerate(main_items[:150])]
                )
                FolderTag.objects.bulk_create(
                    [
                        FolderTag(folder=folder, tag=tags[n % len(tags)])
                        for n, folder in enumerate(private[:10])
                    ]
                )
                thumbnails = []
                for folder in private[:10]:
                    inside = [item for item in main_items if item.folder_id == folder.pk][:2]
                    thumbnails += [
                        FolderThumbnail(folder=folder, item=item, position=p) for p, item in enumerate(inside)
                    ]
                FolderThumbnail.objects.bulk_create(thumbnails)
                large_folder = Folder.objects.create(owner=large, name="large", is_public=False)
                with connection.cursor() as cursor:
                    cursor.execute(
                        _items_sql(LARGE_ITEMS),
                        {"domain": domain.pk, "owner": large.pk, "folder": large_folder.pk},
                    )
            with connection.cursor() as cursor:
                # Every table, not only the large ones: the reads run generic plans, and a plan
                # made before autovacuum has seen a small table (tags, thumbnails) can be a
                # poor one until the server's connections are replaced.
                cursor.execute("VACUUM ANALYZE")
            print(f"seeded in {time.perf_counter() - started:.1f}s")
        else:
            print("seed: reusing the existing data")
        small = User.objects.get(email=SMALL_EMAIL)
        large = User.objects.get(email=LARGE_EMAIL)
        item = Item.objects.filter(owner=main, deleted_at__isnull=True).order_by("-completed_at").first()
        assert item is not None
        return {
            "main": new_session(main),
            "small": new_session(small),
            "large": new_session(large),
            "item_id": str(item.pk),
        }


def new_session(user) -> str:
    """A signed-in session for ``user`` (its row, as sign-in would write it); returns the id."""
    from django.utils import timezone

    from accounts.models import Session

    key = str(uuid.uuid4())
    Session.objects.create(
        key_digest=hashlib.sha256(key.encode()).hexdigest(),
        user=user,
        is_authenticated=True,
        last_seen_at=timezone.now(),
    )
    return key


def count_queries(cases: list[Case]) -> dict[str, int]:
    """SQL queries of one request of each case (the second: caches warmed by the first)."""
    from django.core.signals import request_started
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST=HOST_HEADER)
    counts = {}
    request_started.disconnect(reset_queries)
    try:
        for case in cases:
            client.get(case.path, headers=case.headers)
            with CaptureQueriesContext(connection) as captured:
                response = client.get(case.path, headers=case.headers)
            assert response.status_code == 200, (case.path, response.content[:300])
            counts[case.name] = len(captured)
    finally:
        request_started.connect(reset_queries)
    return counts


# ---------------------------------------------------------------- servers and load


class Server:
    """One gunicorn master (and its workers) in a process group of its own, stopped by ``stop``."""

    def __init__(self, name: str, app: str, port: int, env: dict, workers: int, logdir: Path):
        self.name, self.port = name, port
        self.log = open(logdir / f"{name}.log", "w+b")  # noqa: SIM115 - closed in stop()
        command = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-k", "sync"]
        command += ["-b", f"127.0.0.1:{port}", app]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def wait_ready(self, path: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.process.returncode}):\n{self.output()}")
            with contextlib.suppress(OSError):
                status, _ = fetch(self.port, path, {})
                if status == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer {path} within {timeout}s:\n{self.output()}")

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self.log.close()


def fetch(port: int, path: str, headers: dict) -> tuple[int, bytes]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", headers={"Host": HOST_HEADER, **headers}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def wrk(
    port: int, path: str, headers: dict, *, seconds: int, connections: int, threads: int
) -> tuple[float, str]:
    """Requests per second of ``seconds`` of load; the error text is empty when every answer was 2xx."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "-H", f"Host: {HOST_HEADER}"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(f"http://127.0.0.1:{port}{path}")
    output = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30, check=True).stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if match is None:
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    problems = [line.strip() for line in output.splitlines() if "Non-2xx" in line or "Socket errors" in line]
    return float(match.group(1)), "; ".join(problems)


def py_spy() -> str | None:
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy")


def start_profile(server: Server, seconds: int, output: Path) -> subprocess.Popen:
    command = [py_spy() or "py-spy", "record", "--pid", str(server.process.pid), "--subprocesses"]
    command += ["--duration", str(seconds), "--rate", "250", "--format", "raw", "--function"]
    command += ["--nonblocking", "--output", str(output)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def summarize_profile(path: Path, top: int = 25) -> str:
    """The functions with the most samples on the stack (inclusive) and at its top (self)."""
    inclusive: dict[str, int] = {}
    own: dict[str, int] = {}
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        samples = int(count)
        frames = [frame for frame in stack.split(";") if not frame.startswith("process ")]
        if not frames:
            continue
        total += samples
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + samples
        own[frames[-1]] = own.get(frames[-1], 0) + samples
    if not total:
        return "    (no samples)"
    lines = [f"    {total} samples; inclusive:"]
    for frame, samples in sorted(inclusive.items(), key=lambda kv: -kv[1])[:top]:
        lines.append(f"    {100 * samples / total:5.1f}%  {frame}")
    lines.append("    self:")
    for frame, samples in sorted(own.items(), key=lambda kv: -kv[1])[:top]:
        lines.append(f"    {100 * samples / total:5.1f}%  {frame}")
    return "\n".join(lines)


def check(port: int, case: Case) -> None:
    status, body = fetch(port, case.path, case.headers)
    envelope = json.loads(body)
    if status != 200 or envelope.get("hasError"):
        raise RuntimeError(f"{case.name}: {status} {body[:300]!r}")


def build_cases(ids: dict) -> list[Case]:
    main = {"X-Session-ID": ids["main"]}
    return [
        Case("getSelfUser", "/getSelfUser", main, 0.20),
        Case("getItem", f"/getItem?imageID={ids['item_id']}", main, 0.20),
        Case("getMyCreations", "/getMyCreations?limit=20", main, 0.10),
        Case("getPublicCreations", "/getPublicCreations?limit=20", main, 0.10),
        Case("getSelfFolders", "/getSelfFolders?limit=20", main, 0.10),
        Case("getSelfUser/30 items", "/getSelfUser", {"X-Session-ID": ids["small"]}),
        Case("getSelfUser/100k items", "/getSelfUser", {"X-Session-ID": ids["large"]}),
    ]


def main() -> None:
    args = parse_args()
    os.environ.update(
        {
            "DATABASE_URL": args.database_url,
            "REDIS_URL": args.redis_url,
            "DJANGO_SETTINGS_MODULE": "aimg_site.settings",
            "DEBUG": "false",
        }
    )
    logdir = Path(tempfile.mkdtemp(prefix="aimg-bench-http-"))
    os.environ["AIMG_VAR_DIR"] = str(logdir / "var")
    sys.path.insert(0, str(ROOT))
    ensure_database(args.database_url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    cases = build_cases(seed())
    sessions_made = time.monotonic()
    if args.only:
        wanted = {name.strip() for name in args.only.split(",")}
        cases = [case for case in cases if case.name in wanted or case.name.split("/")[0] in wanted]
    from django.db import connections

    if args.in_process:
        time.sleep(max(0.0, sessions_made + TOMBSTONE_WAIT - time.monotonic()))
        in_process(cases, args.in_process, args.cprofile)
        return
    connections.close_all()

    env = {**os.environ, "SECRET_KEY": secrets.token_urlsafe(50)}
    env.pop("AIMG_CELERY_EAGER", None)
    servers: list[Server] = []
    results: list[Result] = []
    queries: dict[str, int] = {}

    def interrupted(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    try:
        bare = Server("bare", "bench.bare_wsgi:application", args.port, env, args.workers, logdir)
        servers.append(bare)
        project = Server("project", "aimg_site.wsgi:application", args.port + 1, env, args.workers, logdir)
        servers.append(project)
        bare.wait_ready("/")
        project.wait_ready("/health")
        # New sessions are not cached while the tombstones their creation wrote last.
        time.sleep(max(0.0, sessions_made + TOMBSTONE_WAIT - time.monotonic()))
        queries = {} if args.no_queries else count_queries(cases)
        connections.close_all()
        load = {"connections": args.connections, "threads": args.threads}
        print(
            f"wrk -t{args.threads} -c{args.connections}, {args.duration}s per server and case; "
            f"gunicorn -w {args.workers} -k sync; bare Django then the project, back to back; "
            f"{args.rounds} round(s)"
        )
        results = [Result(case) for case in cases]
        for round_number in range(1, args.rounds + 1):
            for result in results:
                case = result.case
                check(project.port, case)
                if args.warmup:
                    wrk(bare.port, "/", {}, seconds=args.warmup, **load)
                    wrk(project.port, case.path, case.headers, seconds=args.warmup, **load)
                bare_rps, problem = wrk(bare.port, "/", {}, seconds=args.duration, **load)
                if problem:
                    result.errors.append(f"bare: {problem}")
                profiler = None
                if args.profile:
                    name = re.sub(r"[^A-Za-z0-9]+", "-", case.name)
                    profile_path = Path(args.profile) / f"{name}-{round_number}.txt"
                    profile_path.parent.mkdir(parents=True, exist_ok=True)
                    profiler = start_profile(project, args.duration, profile_path)
                rps, problem = wrk(project.port, case.path, case.headers, seconds=args.duration, **load)
                if profiler is not None:
                    profiler.wait(timeout=60)
                if problem:
                    result.errors.append(problem)
                result.rounds.append((bare_rps, rps))
                print(
                    f"  {case.name:<24} bare {bare_rps:>8.0f} req/s   project {rps:>7.0f} req/s"
                    f"   {rps / bare_rps if bare_rps else 0:.3f}x {' '.join(result.errors)}",
                    flush=True,
                )
                if profiler is not None:
                    print(summarize_profile(profile_path), flush=True)
    finally:
        for server in reversed(servers):
            server.stop()
    report(results, queries)
    shutil.rmtree(logdir, ignore_errors=True)
    if any(result.errors for result in results):
        sys.exit(1)


def in_process(cases: list[Case], count: int, profile_dir: str) -> None:
    """Each case ``count`` times through ``aimg_site.wsgi.application`` (what gunicorn serves), after a
    warm-up: CPU and wall ms per request."""
    import cProfile
    import io

    # The request lines are still formatted and written (their cost counts), to /dev/null.
    import logging
    import pstats

    from aimg_site.wsgi import application as handler

    sink = open(os.devnull, "w")  # noqa: SIM115 - open for the rest of the run
    for logger in [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]:
        for log_handler in getattr(logger, "handlers", []):
            if isinstance(log_handler, logging.StreamHandler):
                log_handler.setStream(sink)

    def call(case: Case) -> None:
        path, _, query = case.path.partition("?")
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": HOST_HEADER,
            "wsgi.input": io.BytesIO(b""),
            "wsgi.url_scheme": "http",
            **{"HTTP_" + name.upper().replace("-", "_"): value for name, value in case.headers.items()},
        }
        statuses: list[str] = []
        body = handler(environ, lambda status, headers, exc_info=None: statuses.append(status))
        b"".join(body)
        body.close()
        assert statuses[0].startswith("200"), (case.path, statuses)

    print(f"in process, {count} requests per case (CPU = this process only; the database's is not counted)")
    for case in cases:
        for _ in range(min(count, 50)):
            call(case)
        # Ten blocks: the least CPU of a block is the steadiest figure on a shared machine (other
        # processes only ever add to it); the median shows the spread.
        block = max(1, count // 10)
        cpus, walls = [], []
        for _ in range(10):
            cpu, wall = time.process_time(), time.perf_counter()
            for _ in range(block):
                call(case)
            cpus.append(1000 * (time.process_time() - cpu) / block)
            walls.append(1000 * (time.perf_counter() - wall) / block)
        print(
            f"  {case.name:<24} cpu {min(cpus):6.3f} ms/req (median {statistics.median(cpus):6.3f})"
            f"   wall {min(walls):6.3f} ms/req (median {statistics.median(walls):6.3f})"
        )
        if profile_dir:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(count):
                call(case)
            profiler.disable()
            target = Path(profile_dir) / (re.sub(r"[^A-Za-z0-9]+", "-", case.name) + ".prof")
            target.parent.mkdir(parents=True, exist_ok=True)
            profiler.dump_stats(str(target))
            text = io.StringIO()
            pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(30)
            print(text.getvalue())


def report(results: list[Result], queries: dict[str, int]) -> None:
    print()
    print("Medians over the rounds:")
    print("| endpoint | bare Django req/s | req/s | ratio | target | SQL queries |")
    print("| --- | --- | --- | --- | --- | --- |")
    for result in results:
        target = f">= {result.case.target:.2f}x" if result.case.target else ""
        mark = ""
        if result.case.target:
            mark = " (met)" if result.ratio >= result.case.target else " (MISSED)"
        print(
            f"| {result.case.name} | {result.bare_rps:.0f} | {result.rps:.0f} | {result.ratio:.3f}x{mark} "
            f"| {target} | {queries.get(result.case.name, '')} |"
        )
    by_name = {result.case.name: result for result in results}
    small, large = by_name.get("getSelfUser/30 items"), by_name.get("getSelfUser/100k items")
    if small and large and large.ratio:
        cost = small.ratio / large.ratio
        verdict = "within" if cost <= 1.3 else "NOT within"
        print(
            f"\ngetSelfUser: a 100,000-item library costs {cost:.2f}x a 30-item one per request "
            f"({verdict} the 1.3x target)"
        )


if __name__ == "__main__":
    main()
