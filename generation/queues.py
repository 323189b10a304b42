"""Generation queue names: one per model and priority class, Pro queues contain ``-p1-`` (the reference's convention)."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import uuid
from dataclasses import dataclass

import redis
from django.conf import settings
from django.db.models import Count

from .models import GenerationJob, GenerationModel, JobStatus, PriorityClass

QUEUE_SUFFIX = "main"


def queue_name(*, model_name: str, priority: int) -> str:
    """``f222-p0-main`` for free jobs of ``f222``, ``f222-p1-main`` for Pro ones."""
    return f"{model_name}-p{int(priority)}-{QUEUE_SUFFIX}"


def model_queue_names(model_name: str) -> list[tuple[int, str]]:
    """The (priority, queue name) pairs of one model, Pro first."""
    return [
        (priority, queue_name(model_name=model_name, priority=priority))
        for priority in sorted(PriorityClass.values, reverse=True)
    ]


# ---------------------------------------------------------------- the queue-order index (Redis)
#
# One sorted set per (model, priority class) whose order is exactly the queue
# order (``-priority, turn, queued_at, id``): score = turn, member =
# zero-padded ``queued_at`` in microseconds + ":" + id, so Redis's
# lexicographic tie-break on equal scores gives (turn, queued_at, id). A
# queued job's position is the sizes of the higher classes' sets + its ZRANK
# + 1, in one round trip, whatever the queue's length. The rows stay the
# source of truth: a member is added after the queueing transaction commits
# and removed when the job leaves the queue; whatever the index misses
# (Redis flushed, a write lost) makes the reader fall back to the SQL count
# and rebuild the model's sets from the rows (docs/decisions.md). Without
# ``REDIS_URL`` there is no index and positions are the SQL count.

logger = logging.getLogger(__name__)

#: Seconds a rebuild of one model's sets may hold its lock (other readers use the SQL count meanwhile).
REBUILD_LOCK_SECONDS = 30
_REBUILD_CHUNK = 5000


@dataclass(frozen=True)
class QueueEntry:
    """What places a queued job in its queue: the job's queue-order fields."""

    job_id: uuid.UUID
    model_id: int
    priority: int
    turn: int
    queued_at: dt.datetime

    @property
    def member(self) -> str:
        return index_member(queued_at=self.queued_at, job_id=self.job_id)


_ENTRY_FIELDS = ("pk", "model_id", "priority", "turn", "queued_at")


def _entry(row: tuple) -> QueueEntry:
    return QueueEntry(job_id=row[0], model_id=row[1], priority=row[2], turn=row[3], queued_at=row[4])


def index_member(*, queued_at: dt.datetime, job_id: uuid.UUID | str) -> str:
    """``00001764650000123456:<uuid>``: microseconds since the epoch, 20 digits, then the canonical id."""
    micros = (queued_at - _EPOCH) // dt.timedelta(microseconds=1)
    return f"{micros:020d}:{uuid.UUID(str(job_id))}"


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def index_enabled() -> bool:
    return bool(settings.REDIS_URL)


@functools.cache
def _client_for(url: str) -> redis.Redis:
    # One client (and connection pool) per process; redis-py's pool reconnects after a fork.
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def _client() -> redis.Redis:
    return _client_for(settings.REDIS_URL)


def _prefix() -> str:
    # The cache's key prefix: test processes sharing one Redis each keep their own sets.
    cache_prefix = settings.CACHES.get("default", {}).get("KEY_PREFIX", "")
    return f"{cache_prefix}:aimg:generation:queue-index"


def index_key(*, model_id: int, priority: int) -> str:
    return f"{_prefix()}:{model_id}:p{int(priority)}"


def index_keys_pattern() -> str:
    """A SCAN pattern matching every key of the index (tests empty it; ``Redis flushed``)."""
    return f"{_prefix()}:*"


def _classes() -> list[int]:
    return sorted(PriorityClass.values, reverse=True)


def index_add(entries: list[QueueEntry]) -> None:
    """Put queued jobs in the index (idempotent; a changed turn moves the member)."""
    if not entries or not index_enabled():
        return
    try:
        pipe = _client().pipeline(transaction=False)
        for e in entries:
            pipe.zadd(index_key(model_id=e.model_id, priority=e.priority), {e.member: e.turn})
        pipe.execute()
    except redis.RedisError:
        logger.warning("queue index: could not add %d job(s)", len(entries), exc_info=True)


def index_remove(entries: list[QueueEntry]) -> None:
    """Take jobs that left the queue (claimed, cancelled, moved) out of the index."""
    if not entries or not index_enabled():
        return
    try:
        pipe = _client().pipeline(transaction=False)
        for e in entries:
            pipe.zrem(index_key(model_id=e.model_id, priority=e.priority), e.member)
        pipe.execute()
    except redis.RedisError:
        logger.warning("queue index: could not remove %d job(s)", len(entries), exc_info=True)


def index_sync_jobs(job_ids: list[uuid.UUID]) -> None:
    """After a commit that (re)queued ``job_ids``: add those still queued, then check again.

    A worker may claim a job between our read and our ZADD (its ZREM then comes
    first); reading the rows again after the ZADD and removing the members of
    the jobs no longer queued closes that window, whatever the interleaving.
    """
    if not job_ids or not index_enabled():
        return
    rows = GenerationJob.all_domains.filter(pk__in=job_ids, status=JobStatus.QUEUED).values_list(
        *_ENTRY_FIELDS
    )
    entries = [_entry(row) for row in rows]
    if not entries:
        return
    index_add(entries)
    still = set(
        GenerationJob.all_domains.filter(
            pk__in=[e.job_id for e in entries], status=JobStatus.QUEUED
        ).values_list("pk", flat=True)
    )
    index_remove([e for e in entries if e.job_id not in still])


def index_position(*, entry: QueueEntry) -> int | None:
    """1-based position of a queued job from the index in one round trip; ``None`` when it cannot say.

    ``None`` (the caller counts in SQL) without Redis, when Redis fails, and
    when the job's member is missing or carries another turn (the index is
    behind the rows).
    """
    if not index_enabled():
        return None
    higher = [p for p in _classes() if p > entry.priority]
    own = index_key(model_id=entry.model_id, priority=entry.priority)
    try:
        pipe = _client().pipeline(transaction=False)
        for p in higher:
            pipe.zcard(index_key(model_id=entry.model_id, priority=p))
        pipe.zscore(own, entry.member)
        pipe.zrank(own, entry.member)
        *sizes, score, rank = pipe.execute()
    except redis.RedisError:
        logger.warning("queue index: position read failed", exc_info=True)
        return None
    if score is None or rank is None or int(score) != entry.turn:
        return None
    return sum(int(s) for s in sizes) + int(rank) + 1


def index_rebuild(*, model_id: int) -> bool:
    """Rebuild every class's set of one model from its queued rows; False when another rebuild runs.

    One rebuild per model at a time (a Redis lock with a timeout): readers that
    meet a missing member meanwhile use the SQL count. Each set is written
    under a temporary key and renamed over the old one, so readers never see
    a half-built set. A job claimed or cancelled while the rows are read may
    stay in the new set; ``index_resync`` (every reclaim pass) finds and
    rebuilds such a set.
    """
    if not index_enabled():
        return False
    client = _client()
    lock = f"{_prefix()}:rebuild-lock:{model_id}"
    token = uuid.uuid4().hex
    try:
        if not client.set(lock, token, nx=True, ex=REBUILD_LOCK_SECONDS):
            return False
        try:
            for priority in _classes():
                key = index_key(model_id=model_id, priority=priority)
                temp = f"{key}:rebuild:{token}"
                rows = (
                    GenerationJob.all_domains.filter(
                        model_id=model_id, priority=priority, status=JobStatus.QUEUED
                    )
                    .values_list("pk", "turn", "queued_at")
                    .iterator(chunk_size=_REBUILD_CHUNK)
                )
                batch: dict[str, int] = {}
                written = 0
                for pk, turn, queued_at in rows:
                    batch[index_member(queued_at=queued_at, job_id=pk)] = turn
                    if len(batch) >= _REBUILD_CHUNK:
                        client.zadd(temp, batch)
                        written += len(batch)
                        batch = {}
                if batch:
                    client.zadd(temp, batch)
                    written += len(batch)
                if written:
                    client.rename(temp, key)
                else:
                    client.delete(key)
        finally:
            if client.get(lock) == token.encode():
                client.delete(lock)
    except redis.RedisError:
        logger.warning("queue index: rebuild of model %s failed", model_id, exc_info=True)
        return False
    logger.info("queue index: rebuilt the sets of model %s", model_id)
    return True


def index_resync() -> int:
    """Compare every set's size with its queue's row count and rebuild the models that differ.

    Run by each lease-reclaim pass (every few seconds): it catches what the
    readers cannot see (a member left behind by a lost write, a rebuild that
    raced a claim). One grouped count over the queue index and one ZCARD
    round trip. Returns how many models were rebuilt.
    """
    if not index_enabled():
        return 0
    counts = {
        (row["model_id"], row["priority"]): row["n"]
        for row in GenerationJob.all_domains.filter(status=JobStatus.QUEUED)
        .values("model_id", "priority")
        .annotate(n=Count("pk"))
    }
    model_ids = list(GenerationModel.all_domains.values_list("pk", flat=True))
    pairs = [(m, p) for m in model_ids for p in _classes()]
    try:
        pipe = _client().pipeline(transaction=False)
        for m, p in pairs:
            pipe.zcard(index_key(model_id=m, priority=p))
        sizes = pipe.execute()
    except redis.RedisError:
        logger.warning("queue index: resync could not read the sets", exc_info=True)
        return 0
    stale = sorted(
        {m for (m, p), size in zip(pairs, sizes, strict=True) if int(size) != counts.get((m, p), 0)}
    )
    return sum(1 for m in stale if index_rebuild(model_id=m))


def index_clear() -> int:
    """Delete every key of the index (as a Redis flush would); the tests start each test with none."""
    if not index_enabled():
        return 0
    client = _client()
    keys = list(client.scan_iter(match=index_keys_pattern(), count=1000))
    if keys:
        client.delete(*keys)
    return len(keys)
