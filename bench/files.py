"""The file server's speed and memory, through Django's full stack (middleware, auth, envelope).

Run: ``DATABASE_URL=postgres://USER@127.0.0.1:5432/aimg_bench .venv/bin/python bench/files.py``
(local storage in a temporary ``MEDIA_ROOT``; it makes its own admin key and files, and removes the files).

Prints:

* a cached rendition's throughput (``getFile?width=512`` of a 2048² JPEG, served from storage)
  against the same bytes served as a plain static file by the same stack (the library's
  ``/media/`` route), in requests and MB per second; target at least 0.8x;
* the latency of an uncached resize of a 2048² JPEG to 512 px through ``getFile`` (read the
  source from storage, resize, store the rendition, answer it) against Pillow alone doing the same
  draft-mode decode, resize and JPEG encode in memory, in the same run; target at most 1.2x;
* ``uploadFile`` throughput and the peak of Python memory allocated while uploading 5 MB and
  50 MB files (the body is fed to the WSGI handler from a generator, as a socket would, so the
  benchmark holds no copy of it): flat in the file's size.
"""

from __future__ import annotations

import sys
from pathlib import Path

if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

import io
import os
import statistics
import tempfile
import time
import tracemalloc

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aimg_site.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("AIMG_RATELIMIT_ENABLED", "false")
os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="aimg-bench-files-"))
os.environ.setdefault("LOG_LEVEL", "WARNING")

#: The machine is shared: both sides are measured in alternating rounds, and each figure is the
#: median of its rounds, so that a burst of load elsewhere hits both alike.
ROUNDS = 12
ROUND_SECONDS = 0.5
RESIZE_RUNS = 31
BOUNDARY = "aimgbenchboundary7f3a"


def jpeg_2048() -> bytes:
    from PIL import Image

    # A photo-like picture (gradients and noise), so the JPEG is not trivially small.
    base = Image.radial_gradient("L").resize((2048, 2048))
    noise = Image.effect_noise((2048, 2048), 40)
    image = Image.merge("RGB", (base, noise, Image.linear_gradient("L").resize((2048, 2048))))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def pillow_alone(data: bytes) -> bytes:
    from PIL import Image

    image = Image.open(io.BytesIO(data))
    image.draft("RGB", (512, 512))
    image.load()
    out = image.resize((512, 512), Image.Resampling.LANCZOS, reducing_gap=2.0)
    buffer = io.BytesIO()
    out.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def throughput(client, path: str, headers: dict, seconds: float = ROUND_SECONDS) -> tuple[float, float]:
    """Requests and megabytes per second of full GETs of ``path`` (body read to the end)."""
    count, received = 0, 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        response = client.get(path, headers=headers)
        assert response.status_code == 200, (path, response.status_code)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        response.close()
        received += len(body)
        count += 1
    elapsed = time.perf_counter() - started
    return count / elapsed, received / elapsed / 1e6


class MultipartStream:
    """A multipart/form-data body of ``size`` bytes of file, produced as it is read."""

    def __init__(self, size: int):
        self.head = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        self.tail = f"\r\n--{BOUNDARY}--\r\n".encode()
        self.size = size
        self.length = len(self.head) + size + len(self.tail)
        self.position = 0
        self.block = bytes(range(256)) * 4096  # 1 MiB, reused

    def _byte_slice(self, start: int, end: int) -> bytes:
        head_end, file_end = len(self.head), len(self.head) + self.size
        parts = []
        if start < head_end:
            parts.append(self.head[start : min(end, head_end)])
        if end > head_end and start < file_end:
            a, b = max(start, head_end) - head_end, min(end, file_end) - head_end
            while a < b:
                offset = a % len(self.block)
                take = min(b - a, len(self.block) - offset)
                parts.append(self.block[offset : offset + take])
                a += take
        if end > file_end:
            parts.append(self.tail[max(start, file_end) - file_end : end - file_end])
        return b"".join(parts)

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = self.length - self.position
        end = min(self.length, self.position + size)
        data = self._byte_slice(self.position, end)
        self.position = end
        return data

    def readline(self, size: int = -1) -> bytes:  # pragma: no cover - Django reads in chunks
        return self.read(size)


def wsgi_upload(handler, admin_key: str, size: int) -> tuple[int, bytes]:
    stream = MultipartStream(size)
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/uploadFile",
        "QUERY_STRING": "",
        "SERVER_NAME": "api.freejourney.ai",
        "SERVER_PORT": "443",
        "HTTP_HOST": "api.freejourney.ai",
        "wsgi.url_scheme": "https",
        "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
        "CONTENT_LENGTH": str(stream.length),
        "HTTP_X_ADMINISTRATION_KEY": admin_key,
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": stream,
        "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    status_holder: list[str] = []
    body = b"".join(handler(environ, lambda status, headers, exc_info=None: status_holder.append(status)))
    return int(status_holder[0].split()[0]), body


def main() -> None:
    import json

    import django

    django.setup()
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.management import call_command
    from django.test import Client

    from accounts.admin_keys.services import admin_key_create
    from aimg_site.core.scoping import domain_context
    from aimg_site.core.selectors import domain_get
    from aimg_site.technical.files import renditions, store
    from aimg_site.technical.files.services import file_remove
    from aimg_site.technical.models import FileRendition
    from library.items.media import signed_query

    if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database.")
    call_command("migrate", verbosity=0)
    with domain_context(domain_get("freejourney.ai")):
        _key, raw_key = admin_key_create(email="bench-files-admin@bench.invalid")
    admin = {"X-Administration-Key": raw_key}
    client = Client(HTTP_HOST="api.freejourney.ai")
    created: list[str] = []

    source = jpeg_2048()
    part = io.BytesIO(source)
    part.name = "photo.jpg"
    meta = json.loads(client.post("/uploadFile", {"file": part}, headers=admin).content)["payload"]
    created.append(meta["id"])
    print(
        f"source: 2048x2048 JPEG, {len(source) / 1e6:.2f} MB; storage: {settings.STORAGES['default']['BACKEND']}"
    )
    print("load average at start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))

    # 1. Cached rendition against the same bytes as a static file.
    rendition_path = f"/getFile?id={meta['id']}&width=512"
    first = client.get(rendition_path)
    rendition = b"".join(first.streaming_content) if first.streaming else first.content
    static_name = "items/bench/static-rendition.jpg"
    static_file = Path(settings.MEDIA_ROOT) / static_name
    static_file.parent.mkdir(parents=True, exist_ok=True)
    static_file.write_bytes(rendition)
    # The media route serves a file that no item is public with only under a signed URL.
    static_path = f"/media/{static_name}{signed_query(static_name)}"
    throughput(client, rendition_path, {})  # warm up
    throughput(client, static_path, {})
    rounds = []
    for _ in range(ROUNDS):
        rounds.append((throughput(client, rendition_path, {}), throughput(client, static_path, {})))
    cached_rps = statistics.median(r[0][0] for r in rounds)
    cached_mbs = statistics.median(r[0][1] for r in rounds)
    static_rps = statistics.median(r[1][0] for r in rounds)
    static_mbs = statistics.median(r[1][1] for r in rounds)
    ratio = statistics.median(r[0][0] / r[1][0] for r in rounds)
    print(
        f"\n1. cached rendition ({len(rendition) / 1e3:.1f} kB), median of {ROUNDS} alternating "
        f"rounds of {ROUND_SECONDS} s:"
    )
    print(f"   getFile?width=512, cached   {cached_rps:8.0f} req/s  {cached_mbs:7.1f} MB/s")
    print(f"   /media/ static file         {static_rps:8.0f} req/s  {static_mbs:7.1f} MB/s")
    print(f"   ratio (median of rounds)    {ratio:8.2f}x   (target >= 0.8x)")

    # 2. Uncached resize against Pillow alone, in pairs (the order alternates).
    service_ms, pillow_ms, service_cpu, pillow_cpu = [], [], [], []

    def service_once() -> None:
        # A first request for this size: no rendition row, no bytes, no note in the caches.
        for rendition_row in FileRendition.objects.filter(file_id=meta["id"]):
            store.delete(rendition_row.storage_name)
            rendition_row.delete()
        renditions.forget([renditions.cache_key(meta["id"], 512, 0, "fit")])
        started, cpu = time.perf_counter(), time.process_time()
        response = client.get(rendition_path)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        service_ms.append((time.perf_counter() - started) * 1000)
        service_cpu.append((time.process_time() - cpu) * 1000)
        assert response.status_code == 200 and body

    def pillow_once() -> None:
        started, cpu = time.perf_counter(), time.process_time()
        pillow_alone(source)
        pillow_ms.append((time.perf_counter() - started) * 1000)
        pillow_cpu.append((time.process_time() - cpu) * 1000)

    service_once(), pillow_once()  # warm up
    service_ms.clear(), pillow_ms.clear(), service_cpu.clear(), pillow_cpu.clear()
    for run in range(RESIZE_RUNS):
        for side in (service_once, pillow_once) if run % 2 == 0 else (pillow_once, service_once):
            side()
    service, pillow = statistics.median(service_ms), statistics.median(pillow_ms)
    ratios = statistics.median(s / p for s, p in zip(service_ms, pillow_ms, strict=True))
    print(f"\n2. uncached resize 2048² JPEG -> 512 px, median of {RESIZE_RUNS} pairs:")
    print(f"   getFile (storage read, resize, rendition stored, served)  {service:7.1f} ms")
    print(f"   Pillow alone (draft decode, resize, JPEG encode)           {pillow:7.1f} ms")
    print(f"   ratio (median of paired runs)  {ratios:7.2f}x  (target <= 1.2x)")
    print(
        f"   fastest runs {min(service_ms):.1f} / {min(pillow_ms):.1f} ms = "
        f"{min(service_ms) / min(pillow_ms):.2f}x; this process's CPU time (medians) "
        f"{statistics.median(service_cpu):.1f} / {statistics.median(pillow_cpu):.1f} ms"
    )

    # 3. Upload throughput and peak memory.
    handler = WSGIHandler()
    print("\n3. uploadFile, body streamed to the WSGI handler:")
    print(f"   {'size':>6} {'seconds':>8} {'MB/s':>7} {'peak Python memory':>20}")
    for size_mb in (5, 50):
        size = size_mb * 1024 * 1024
        started = time.perf_counter()
        status, body = wsgi_upload(handler, raw_key, size)
        elapsed = time.perf_counter() - started
        assert status == 200, (status, body[:300])
        created.append(json.loads(body)["payload"]["id"])
        tracemalloc.start()
        status, body = wsgi_upload(handler, raw_key, size)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert status == 200, (status, body[:300])
        created.append(json.loads(body)["payload"]["id"])
        print(f"   {size_mb:>4}MB {elapsed:>8.2f} {size / elapsed / 1e6:>7.1f} {peak / 1e6:>17.2f} MB")

    print("\nload average at the end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    for file_id in created:
        file_remove(file_id=file_id)
    static_file.unlink()


if __name__ == "__main__":
    main()
