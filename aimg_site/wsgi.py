"""WSGI entry point: ``gunicorn aimg_site.wsgi``."""

import logging
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aimg_site.settings")
# A production server never runs on a key published in the repository (see settings.py).
os.environ.setdefault("AIMG_REQUIRE_SECRET_KEY", "true")

# What no line of a web process shows (the JSON lines hold time, level, logger, message and
# extras: see settings.LOGGING), not gathered for every record: the caller's file and line, the
# thread, the process. The switches of the "Optimization" section of the logging documentation;
# the per-request line is some 8 µs of CPU cheaper.
logging._srcfile = None  # type: ignore[attr-defined]
logging.logThreads = False
logging.logProcesses = False
logging.logMultiprocessing = False

application = get_wsgi_application()
