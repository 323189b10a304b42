"""The production stack description stays consistent with the code."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_the_compose_file_runs_every_process_of_the_stack():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "s3", "web", "worker", "beat"} <= set(services)
    assert services["worker"]["command"][:3] == ["celery", "-A", "aimg_site"]
    assert "beat" in services["beat"]["command"]
    env = services["web"]["environment"]
    assert env["DATABASE_URL"].startswith("postgres://") and env["REDIS_URL"].startswith("redis://")
    assert env["AIMG_STORAGE"] == "s3"


def test_the_image_serves_the_wsgi_app_with_gunicorn():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "gunicorn" in dockerfile and "aimg_site.wsgi" in dockerfile
