"""ASGI entry point."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aimg_site.settings")
# A production server never runs on a key published in the repository (see settings.py).
os.environ.setdefault("AIMG_REQUIRE_SECRET_KEY", "true")

application = get_asgi_application()
