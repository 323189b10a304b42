"""The test suite's small override of ``aimg_site.settings``.

The database and Redis still come from ``DATABASE_URL``/``REDIS_URL`` (CI sets
them to real PostgreSQL and Redis); what changes is speed and isolation.
"""

import os
import tempfile

os.environ.setdefault("AIMG_CELERY_EAGER", "true")

from .settings import *  # noqa: F403
from .settings import REDIS_URL

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = tempfile.mkdtemp(prefix="aimg-test-media-")
LOGGING["root"]["level"] = "WARNING"  # type: ignore[index]  # noqa: F405
# Test processes (pytest-xdist workers, or two suites run at once) may share one Redis:
# each process keeps its rate-limit counters (emptied before every test, see
# tests/conftest.py) and cache entries under its own key prefix.
AIMG_RATELIMIT_STORAGE_URI = (
    REDIS_URL or f"sqlite:///{tempfile.mkdtemp(prefix='aimg-test-limits-')}/limits.sqlite3"
)
AIMG_RATELIMIT_KEY_PREFIX = f"aimg-test-{os.getpid()}"
if REDIS_URL:
    CACHES["default"]["KEY_PREFIX"] = AIMG_RATELIMIT_KEY_PREFIX  # type: ignore[index]  # noqa: F405
