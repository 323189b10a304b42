#!/usr/bin/env python
"""``make run``: a Celery worker (with beat) and Django's development server, stopped together.

The worker uses the same settings as the web process, so without REDIS_URL
both share the folder broker under var/celery/ and a task enqueued by a
request runs in the worker process, off the request thread.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default="8000")
    args = parser.parse_args()
    env = dict(os.environ)
    # OAuth callback URLs come from configuration, never from the Host: here, this server.
    host = f"[{args.host}]" if ":" in args.host else args.host
    env.setdefault("AIMG_API_BASE_URL", f"http://{host}:{args.port}")
    python = sys.executable
    worker = subprocess.Popen(
        [
            python,
            "-m",
            "celery",
            "-A",
            "aimg_site",
            "worker",
            "-B",
            "--loglevel",
            "INFO",
            "--concurrency",
            "2",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        print(
            f"AIMG API on http://{args.host}:{args.port}  (studio: /, docs: /api/docs/, health: /health)",
            flush=True,
        )
        server = subprocess.run(
            [python, "manage.py", "runserver", f"{args.host}:{args.port}", "--noreload"], cwd=ROOT, env=env
        )
        return server.returncode
    except KeyboardInterrupt:
        return 0
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()


if __name__ == "__main__":
    raise SystemExit(main())
