"""Costs of the integrations that need no database: probing media, uploading to Scenario.

Run: ``.venv/bin/python bench/integrations.py`` (prints the figures; starts the tests' Scenario
stand-in on a loopback port of 18700-18799 and stops it at the end).

- ``media_probe`` of a PNG, an mp4 and a webm (Pillow / PyAV reading the stored bytes), median of
  50 runs;
- the Scenario client's upload of a 64 MiB file in 8 MiB parts through the SSRF-safe outbound
  client (create, PUT each part, complete, wait): throughput. The upload task itself reads one
  part at a time from the storage.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)  # bench/http.py would shadow the standard library's http
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aimg_site.settings")
os.environ.setdefault("AIMG_OUTBOUND_ALLOW_LOOPBACK_HTTP", "true")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="aimg-bench-media-"))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.files.base import ContentFile  # noqa: E402
from django.core.files.storage import default_storage  # noqa: E402

from integrations.media import media_probe  # noqa: E402
from integrations.scenario.client import ScenarioClient  # noqa: E402
from tests.integrations.media import image_bytes, video_bytes  # noqa: E402
from tests.integrations.servers import ScenarioStandIn, running  # noqa: E402

PART = 8 * 1024 * 1024
SIZE = 64 * 1024 * 1024


def probe_figures() -> None:
    samples = {
        "png 512x512": ("bench.png", image_bytes("PNG", size=(512, 512))),
        "mp4 640x360 10 s": ("bench.mp4", video_bytes("mp4", width=640, height=360, seconds=10, fps=10)),
        "webm 640x360 10 s": ("bench.webm", video_bytes("webm", width=640, height=360, seconds=10, fps=10)),
    }
    print("media_probe (median of 50, ms)")
    for label, (name, data) in samples.items():
        stored = default_storage.save(f"items/bench/{name}", ContentFile(data))
        timings = []
        for _ in range(50):
            started = time.perf_counter()
            media_probe(stored)
            timings.append((time.perf_counter() - started) * 1000)
        print(f"  {label:<20} {statistics.median(timings):7.2f}")
        default_storage.delete(stored)


def upload_figures() -> None:
    standin = ScenarioStandIn()
    settings.AIMG_SCENARIO_API_URL = standin.base_url
    data = os.urandom(SIZE)
    with running(standin.server):
        client = ScenarioClient(api_key=standin.api_key, api_secret=standin.api_secret)
        started = time.perf_counter()
        state = client.create_upload(
            file_name="bench.bin", content_type="video/mp4", file_size=SIZE, parts=SIZE // PART, kind="video"
        )
        view = memoryview(data)
        for part in state.parts:
            client.put_part(part, bytes(view[(part.number - 1) * PART : part.number * PART]))
        client.complete_upload(state.id)
        client.wait_for_upload(state.id, timeout=10, interval=0.01)
        elapsed = time.perf_counter() - started
        assert standin.file_of(state.id) == data
    print("Scenario upload through the outbound client (loopback stand-in)")
    print(
        f"  {SIZE // 2**20} MiB in {SIZE // PART} parts: {elapsed:.2f} s, {SIZE / elapsed / 2**20:.0f} MiB/s"
    )


if __name__ == "__main__":
    probe_figures()
    upload_figures()
