"""Library listing benchmark on PostgreSQL: 1,000,000 items, 10,000 users, 1,000 public folders.

Run: ``DATABASE_URL=postgres://aimg@127.0.0.1:5433/aimg_bench .venv/bin/python bench/library.py``

``bench/library.py --listings N`` (in a database of its own per N) measures the anonymous
listings instead, ``getTagsList`` and ``getPublicFolders``, on N items spread over 1,000 public
folders with two of 200 tags each: compare N = 1,000 with N = 1,000,000 (issue 13: within 2x).

It creates the database if needed, migrates it, seeds it once (users and
folders with ``bulk_create``, items server-side with ``INSERT ... SELECT
generate_series``; a later run reuses the seed), then calls the endpoints
through Django's test client and prints the median and p99 per case:
``getMyCreations`` for a user with 950,000 items and ``getPublicCreations``
over all users, first page and deep pages (by ``paginationIndex`` and by
``skipCount``), ``limit=100``.

Shape of the seed: user 0 owns 950,000 items (every 10th in one of its 100
public folders, approved and public; half the rest in its 10 private
folders; the others in the root folder); users 1..9,999 own 5 items each
(users 1..900 have a public folder holding 2 of them, approved and public).
Items are one second apart, so keyset positions are easy to compute.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this folder comes first on sys.path, where bench/http.py would shadow the
# standard library's http package (which Django imports): take the folder off.
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

import os
import statistics
import time

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aimg_site.settings")
os.environ.setdefault("DEBUG", "false")

USERS = 10_000
HEAVY_ITEMS = 950_000
OTHER_ITEMS_PER_USER = 5
PUBLIC_FOLDERS_OF_HEAVY = 100
PUBLIC_FOLDERS_OF_OTHERS = 900
PRIVATE_FOLDERS_OF_HEAVY = 10
BENCH_EMAIL = "bench-{n}@bench.invalid"
DEEP_MINE = 900_000
LIMIT = 100


def ensure_database() -> None:
    """Create the target database when it does not exist (connects to ``postgres``)."""
    import environ
    import psycopg

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (e.g. .../aimg_bench).")
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
    exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    if not exists:
        admin.execute(f'CREATE DATABASE "{name}"')
        print(f"created database {name}")
    admin.close()


def seed(domain) -> None:
    from django.db import connection, transaction

    from accounts.models import User
    from library.models import Folder, Item

    heavy = User.objects.filter(email=BENCH_EMAIL.format(n=0)).first()
    if heavy is not None and Item.objects.filter(owner=heavy).count() >= HEAVY_ITEMS:
        print("seed: reusing the existing data")
        return
    if heavy is not None:
        sys.exit("A partial seed exists; drop the database and run again.")

    started = time.perf_counter()
    with transaction.atomic():
        users = [
            User(email=BENCH_EMAIL.format(n=n), username=f"bench{n}", password="!", domain=domain)
            for n in range(USERS)
        ]
        User.objects.bulk_create(users, batch_size=2000)
        folders = []
        for n in range(PUBLIC_FOLDERS_OF_HEAVY):
            folders.append(Folder(owner=users[0], name=f"public {n}", is_public=True, domain=domain))
        for n in range(PUBLIC_FOLDERS_OF_OTHERS):
            folders.append(Folder(owner=users[n + 1], name="public", is_public=True, domain=domain))
        for n in range(PRIVATE_FOLDERS_OF_HEAVY):
            folders.append(Folder(owner=users[0], name=f"private {n}", is_public=False, domain=domain))
        Folder.objects.bulk_create(folders, batch_size=2000)
        print(f"seed: {USERS} users and {len(folders)} folders in {time.perf_counter() - started:.1f}s")

        with connection.cursor() as cursor:
            cursor.execute("CREATE TEMP TABLE bench_users (n int PRIMARY KEY, id uuid) ON COMMIT DROP")
            cursor.execute("CREATE TEMP TABLE bench_folders (n int PRIMARY KEY, id uuid) ON COMMIT DROP")
            cursor.execute(
                "INSERT INTO bench_users SELECT (n1 - 1)::int, id FROM unnest(%s::uuid[]) WITH ORDINALITY AS t(id, n1)",
                [[u.id for u in users]],
            )
            # folder n: 0..99 public of user 0, 100..999 public of users 1..900, 1000..1009 private of user 0
            cursor.execute(
                "INSERT INTO bench_folders SELECT (n1 - 1)::int, id FROM unnest(%s::uuid[]) WITH ORDINALITY AS t(id, n1)",
                [[f.id for f in folders]],
            )
            item_started = time.perf_counter()
            cursor.execute(
                """
                INSERT INTO library_item (
                    id, domain_id, owner_id, batch_id, media, mtype, media_type, width, height,
                    prompt, negprompt, model_id, model_name, steps, seed, subseed, subseed_strength,
                    lora, lora_strength, sampler, cfgscale, restore_faces, generator_version,
                    workflow_template_name, workflow_run_parameters, view_count, like_count,
                    dislike_count, is_public, public_approval_status, is_protected, deleted_at,
                    folder_id, folder_added_at, completed_at, created_at
                )
                SELECT
                    gen_random_uuid(), %(domain)s, u.id, NULL,
                    'items/bench/' || s.i || '.png', 'image', 'StaticImage', 512, 512,
                    'bench prompt ' || s.i, '', 'f222', 'F222', 20, s.i, 0, 0,
                    '[]'::jsonb, '[]'::jsonb, 'DPM++ 2M Karras', 7, false, '1',
                    '', NULL, 0, 0, 0,
                    s.public, CASE WHEN s.public THEN 'approved' ELSE 'none' END, false, NULL,
                    f.id, s.moment, s.moment, s.moment
                FROM (
                    SELECT
                        i,
                        now() - make_interval(secs => i) AS moment,
                        CASE WHEN i < %(heavy)s THEN 0 ELSE 1 + ((i - %(heavy)s) / %(per_user)s) %% (%(users)s - 1) END
                            AS user_n,
                        CASE
                            WHEN i < %(heavy)s AND i %% 10 = 0 THEN (i / 10) %% %(pub_heavy)s
                            WHEN i < %(heavy)s AND i %% 10 BETWEEN 1 AND 5
                                THEN %(pub_heavy)s + %(pub_others)s + (i %% %(priv_heavy)s)
                            WHEN i >= %(heavy)s
                                 AND 1 + ((i - %(heavy)s) / %(per_user)s) %% (%(users)s - 1) <= %(pub_others)s
                                 AND (i - %(heavy)s) %% %(per_user)s < 2
                                THEN %(pub_heavy)s - 1 + 1 + ((i - %(heavy)s) / %(per_user)s) %% (%(users)s - 1)
                            ELSE NULL
                        END AS folder_n,
                        (i < %(heavy)s AND i %% 10 = 0)
                        OR (i >= %(heavy)s
                            AND 1 + ((i - %(heavy)s) / %(per_user)s) %% (%(users)s - 1) <= %(pub_others)s
                            AND (i - %(heavy)s) %% %(per_user)s < 2) AS public
                    FROM generate_series(0, %(total)s - 1) AS i
                ) s
                JOIN bench_users u ON u.n = s.user_n
                LEFT JOIN bench_folders f ON f.n = s.folder_n
                """,
                {
                    "domain": domain.pk,
                    "heavy": HEAVY_ITEMS,
                    "per_user": OTHER_ITEMS_PER_USER,
                    "users": USERS,
                    "pub_heavy": PUBLIC_FOLDERS_OF_HEAVY,
                    "pub_others": PUBLIC_FOLDERS_OF_OTHERS,
                    "priv_heavy": PRIVATE_FOLDERS_OF_HEAVY,
                    "total": HEAVY_ITEMS + (USERS - 1) * OTHER_ITEMS_PER_USER,
                },
            )
            print(f"seed: {cursor.rowcount} items in {time.perf_counter() - item_started:.1f}s")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE library_item")
        cursor.execute("VACUUM ANALYZE library_folder")
        cursor.execute("VACUUM ANALYZE accounts_user")
    print(f"seed: done in {time.perf_counter() - started:.1f}s")


def measure(client, path: str, headers: dict, runs: int, warmup: int = 3) -> tuple[float, float, dict]:
    for _ in range(warmup):
        response = client.get(path, headers=headers)
        assert response.status_code == 200, (path, response.status_code, response.content[:300])
    timings = []
    body = {}
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(path, headers=headers)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.content[:300])
        body = response.json()
    timings.sort()
    p99 = timings[min(len(timings) - 1, round(0.99 * (len(timings) - 1)))]
    return statistics.median(timings), p99, body


def main() -> None:
    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from accounts.models import User
    from accounts.sessions.services import session_rotate
    from aimg_site.core.scoping import domain_context
    from aimg_site.core.selectors import domain_get

    call_command("migrate", verbosity=0)
    domain = domain_get("freejourney.ai")
    with domain_context(domain):
        seed(domain)
        heavy = User.objects.get(email=BENCH_EMAIL.format(n=0))
        key, _ = session_rotate(old_key=None, user=heavy)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (extract(epoch FROM completed_at) * 1000)::bigint FROM library_item "
            "WHERE owner_id = %s AND deleted_at IS NULL ORDER BY completed_at DESC, id DESC "
            "OFFSET %s LIMIT 1",
            [heavy.pk, DEEP_MINE - 1],
        )
        deep_mine_index = str(cursor.fetchone()[0])
        cursor.execute(
            "SELECT count(*) FROM library_item i JOIN library_folder f ON f.id = i.folder_id "
            "WHERE i.deleted_at IS NULL AND i.is_public AND i.public_approval_status = 'approved' "
            "AND f.is_public"
        )
        public_total = cursor.fetchone()[0]
        deep_public = int(public_total * 0.9)
        cursor.execute(
            "SELECT (extract(epoch FROM i.completed_at) * 1000)::bigint FROM library_item i "
            "JOIN library_folder f ON f.id = i.folder_id WHERE i.deleted_at IS NULL AND i.is_public "
            "AND i.public_approval_status = 'approved' AND f.is_public "
            "ORDER BY i.completed_at DESC, i.id DESC OFFSET %s LIMIT 1",
            [deep_public - 1],
        )
        deep_public_index = str(cursor.fetchone()[0])

    client = Client(HTTP_HOST="api.freejourney.ai")
    mine = {"X-Session-ID": str(key)}
    cases = [
        ("getMyCreations first page", f"/getMyCreations?limit={LIMIT}", 60),
        (
            f"getMyCreations {DEEP_MINE:,} deep, paginationIndex",
            f"/getMyCreations?limit={LIMIT}&paginationIndex={deep_mine_index}",
            60,
        ),
        (
            f"getMyCreations {DEEP_MINE:,} deep, skipCount",
            f"/getMyCreations?limit={LIMIT}&skipCount={DEEP_MINE}",
            10,
        ),
        ("getMyCreations root folder first page", f"/getMyCreations?limit={LIMIT}&folderID=root", 60),
        ("getPublicCreations first page", f"/getPublicCreations?limit={LIMIT}", 60),
        (
            f"getPublicCreations {deep_public:,} deep, paginationIndex",
            f"/getPublicCreations?limit={LIMIT}&paginationIndex={deep_public_index}",
            60,
        ),
        (
            f"getPublicCreations {deep_public:,} deep, skipCount",
            f"/getPublicCreations?limit={LIMIT}&skipCount={deep_public}",
            10,
        ),
    ]
    print(f"\n{'case':<52} {'median ms':>10} {'p99 ms':>9} {'rows':>5} {'totalCount':>11}")
    for label, path, runs in cases:
        median, p99, body = measure(client, path, mine, runs)
        meta = body.get("metadata") or {}
        print(
            f"{label:<52} {median:>10.1f} {p99:>9.1f} {meta.get('count', 0):>5} {meta.get('totalCount', '-'):>11}"
        )


LISTING_FOLDERS = 1_000
LISTING_TAGS = 200
LISTING_EMAIL = "listing-{n}@bench.invalid"


def seed_listings(domain, items: int) -> None:
    """The anonymous listings' seed: ``LISTING_FOLDERS`` users with one public folder each, ``items``
    items spread over them (every other one approved and public), two of ``LISTING_TAGS`` tags each."""
    from django.db import connection, transaction

    from accounts.models import User
    from library.models import Folder, Item, Tag

    if User.objects.filter(email=LISTING_EMAIL.format(n=0)).exists():
        if Item.objects.count() != items:
            sys.exit(f"This database holds {Item.objects.count()} items, not {items}: use another one.")
        print("seed: reusing the existing data")
        return
    started = time.perf_counter()
    with transaction.atomic():
        users = [
            User(email=LISTING_EMAIL.format(n=n), username=f"listing{n}", password="!", domain=domain)
            for n in range(LISTING_FOLDERS)
        ]
        User.objects.bulk_create(users, batch_size=2000)
        folders = [Folder(owner=u, name="public", is_public=True, domain=domain) for u in users]
        Folder.objects.bulk_create(folders, batch_size=2000)
        Tag.objects.bulk_create([Tag(name=f"tag{n}", domain=domain) for n in range(LISTING_TAGS)])
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMP TABLE bench_folders (n int PRIMARY KEY, id uuid, owner uuid) ON COMMIT DROP"
            )
            cursor.execute(
                "INSERT INTO bench_folders SELECT (n1 - 1)::int, f.id, f.owner_id FROM "
                "unnest(%s::uuid[]) WITH ORDINALITY AS t(id, n1) JOIN library_folder f ON f.id = t.id",
                [[f.id for f in folders]],
            )
            cursor.execute(
                """
                INSERT INTO library_item (
                    id, domain_id, owner_id, batch_id, media, mtype, media_type, width, height,
                    prompt, negprompt, model_id, model_name, steps, seed, subseed, subseed_strength,
                    lora, lora_strength, sampler, cfgscale, restore_faces, generator_version,
                    workflow_template_name, workflow_run_parameters, view_count, like_count,
                    dislike_count, is_public, public_approval_status, is_protected, deleted_at,
                    folder_id, folder_added_at, completed_at, created_at
                )
                SELECT gen_random_uuid(), %(domain)s, f.owner, NULL, 'items/bench/' || s.i || '.png', 'image',
                    'StaticImage', 512, 512, 'bench prompt', '', 'f222', 'F222', 20, s.i, 0, 0,
                    '[]'::jsonb, '[]'::jsonb, 'DPM++ 2M Karras', 7, false, '1', '', NULL, 0, 0, 0,
                    s.i %% 2 = 0, CASE WHEN s.i %% 2 = 0 THEN 'approved' ELSE 'none' END, false, NULL,
                    f.id, now() - make_interval(secs => s.i), now() - make_interval(secs => s.i),
                    now() - make_interval(secs => s.i)
                FROM generate_series(0, %(items)s - 1) AS s(i)
                JOIN bench_folders f ON f.n = s.i %% %(folders)s
                """,
                {"domain": domain.pk, "items": items, "folders": LISTING_FOLDERS},
            )
            cursor.execute(
                """
                INSERT INTO library_itemtag (item_id, tag_id, created_at)
                SELECT i.id, t.id, now() FROM (
                    SELECT id, row_number() OVER (ORDER BY id) AS n FROM library_item
                ) i
                CROSS JOIN LATERAL (VALUES (i.n %% %(tags)s), ((i.n * 7 + 3) %% %(tags)s)) AS pick(k)
                JOIN library_tag t ON t.name = 'tag' || pick.k AND t.domain_id = %(domain)s
                WHERE (i.n %% %(tags)s) <> ((i.n * 7 + 3) %% %(tags)s)
                """,
                {"tags": LISTING_TAGS, "domain": domain.pk},
            )
    from library.items.counts import public_counts_fold_all

    public_counts_fold_all()
    with connection.cursor() as cursor:
        for table in ("library_item", "library_itemtag", "library_folder", "library_publicfoldercountentry"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    print(f"seed: {items} items in {time.perf_counter() - started:.1f}s")


def main_listings(items: int) -> None:
    """``getTagsList`` and ``getPublicFolders``, anonymous and signed in, on a database of ``items``."""
    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from accounts.models import User
    from accounts.sessions.services import session_rotate
    from aimg_site.core.scoping import domain_context
    from aimg_site.core.selectors import domain_get

    call_command("migrate", verbosity=0)
    domain = domain_get("freejourney.ai")
    with domain_context(domain):
        seed_listings(domain, items)
        someone = User.objects.get(email=LISTING_EMAIL.format(n=0))
        key, _ = session_rotate(old_key=None, user=someone)
    client = Client(HTTP_HOST="api.freejourney.ai")
    anonymous = {"X-Session-ID": "00000000-0000-4000-8000-000000000001"}
    signed_in = {"X-Session-ID": str(key)}
    cases = [
        ("getTagsList, anonymous", "/getTagsList?limit=100", anonymous),
        ("getTagsList, signed in (own tags added)", "/getTagsList?limit=100", signed_in),
        ("getTagsList?tags=tag1,tag2", "/getTagsList?tags=tag1,tag2", anonymous),
        ("getPublicFolders, anonymous, first page", "/getPublicFolders?limit=100", anonymous),
        (
            "getPublicFolders, anonymous, skipCount=900",
            "/getPublicFolders?limit=100&skipCount=900",
            anonymous,
        ),
        ("getPublicFolders, one user's", f"/getPublicFolders?userID={someone.pk}", anonymous),
    ]
    print(f"\n{items:,} items, {LISTING_FOLDERS:,} public folders, {LISTING_TAGS} tags")
    print(f"{'case':<52} {'median ms':>10} {'p99 ms':>9} {'rows':>5}")
    for label, path, headers in cases:
        median, p99, body = measure(client, path, headers, 40)
        print(f"{label:<52} {median:>10.1f} {p99:>9.1f} {len(body.get('payload') or []):>5}")
    print(
        f"{'getSelfUser while 10 threads call getPublicFolders':<52} {_self_user_under_load(signed_in):>10.1f}"
    )


def _self_user_under_load(signed_in: dict) -> float:
    """Median ms of ``getSelfUser`` while ten threads keep calling ``getPublicFolders`` anonymously."""
    import threading

    from django.db import connection
    from django.test import Client

    stop = threading.Event()

    def hammer(n: int) -> None:
        client = Client(HTTP_HOST="api.freejourney.ai")
        headers = {"X-Session-ID": f"00000000-0000-4000-8000-{n:012d}"}
        while not stop.is_set():
            client.get("/getPublicFolders?limit=100", headers=headers)
        connection.close()

    threads = [threading.Thread(target=hammer, args=(n + 10,)) for n in range(10)]
    for thread in threads:
        thread.start()
    try:
        median, _p99, _body = measure(Client(HTTP_HOST="api.freejourney.ai"), "/getSelfUser", signed_in, 20)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    return median


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--listings":
        main_listings(int(sys.argv[2].replace(",", "").replace("_", "")))
    else:
        main()
