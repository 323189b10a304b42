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
# pytest-xdist workers share one Redis: each gets its own database number for rate-limit
# counters (emptied before every test, see tests/conftest.py) and its own cache key prefix.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
_worker_number = int(_worker[2:]) if _worker[2:].isdigit() else 0
if REDIS_URL:
    _base = REDIS_URL.rsplit("/", 1)[0] if REDIS_URL.count("/") >= 3 else REDIS_URL
    AIMG_RATELIMIT_STORAGE_URI = f"{_base}/{1 + _worker_number % 15}"
    CACHES["default"]["KEY_PREFIX"] = f"test-{_worker}"  # type: ignore[index]  # noqa: F405
    CELERY_BROKER_URL = REDIS_URL
else:
    AIMG_RATELIMIT_STORAGE_URI = "memory://"
