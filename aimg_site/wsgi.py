"""WSGI entry point: ``gunicorn aimg_site.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aimg_site.settings")
# A production server never runs on a key published in the repository (see settings.py).
os.environ.setdefault("AIMG_REQUIRE_SECRET_KEY", "true")

application = get_wsgi_application()
