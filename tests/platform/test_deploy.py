"""The production stack description stays consistent with the code."""

from pathlib import Path

import yaml

from tests.support.processes import clean_environment

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


def _settings_in_subprocess(code: str, **env: str):
    """Run ``code`` in a fresh interpreter with a clean production-like environment."""
    import subprocess
    import sys

    base = clean_environment(drop=("SECRET_KEY", "DEBUG"), AIMG_VAR_DIR=str(ROOT / "var"), **env)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=base, capture_output=True, text=True, timeout=120
    )


def test_the_production_server_refuses_to_start_with_the_development_secret_key():
    result = _settings_in_subprocess("import aimg_site.wsgi")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr and "ImproperlyConfigured" in result.stderr


def test_the_production_server_refuses_the_compose_files_placeholder_and_short_keys():
    for key in ("change-me-in-production", "short-key"):
        result = _settings_in_subprocess("import aimg_site.wsgi", SECRET_KEY=key)
        assert result.returncode != 0 and "SECRET_KEY" in result.stderr, key


def test_the_production_server_starts_with_a_real_secret_key():
    result = _settings_in_subprocess(
        "import aimg_site.wsgi", SECRET_KEY="k" * 10 + "a-real-randomly-generated-value-0123456789"
    )
    assert result.returncode == 0, result.stderr


def test_the_development_server_keeps_the_development_key():
    result = _settings_in_subprocess("import aimg_site.wsgi", DEBUG="true")
    assert result.returncode == 0, result.stderr


def test_the_compose_stack_requires_a_secret_key_unless_told_otherwise():
    env = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["web"]["environment"]
    assert env["AIMG_REQUIRE_SECRET_KEY"] != "false"


def test_hsts_and_the_proxys_https_header_come_from_the_environment():
    code = (
        "from aimg_site import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD, "
        "s.SECURE_PROXY_SSL_HEADER)"
    )
    default = _settings_in_subprocess(code)
    assert default.stdout.split() == ["0", "False", "False", "None"], default.stderr
    configured = _settings_in_subprocess(
        code, AIMG_HSTS_SECONDS="31536000", AIMG_HSTS_INCLUDE_SUBDOMAINS="true", AIMG_BEHIND_TLS_PROXY="true"
    )
    assert configured.stdout.strip() == "31536000 True False ('HTTP_X_FORWARDED_PROTO', 'https')", (
        configured.stderr
    )
