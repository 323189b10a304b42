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
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# Each test starts with empty rate-limit counters (see tests/conftest.py).
AIMG_RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
