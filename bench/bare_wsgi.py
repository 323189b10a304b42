"""The yardstick of ``bench/http.py``: bare Django, no middleware, one view with a small JSON body.

``gunicorn bench.bare_wsgi:application`` (from the repository root) serves it. It
shares nothing with the project's settings: what ``bench/http.py`` reports is the
project's throughput as a fraction of this one, measured in the same run on the
same (noisy, shared) machine.
"""

from __future__ import annotations

import django
from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import JsonResponse
from django.urls import path

settings.configure(
    DEBUG=False,
    SECRET_KEY="bench-bare-django-not-a-secret-0123456789",
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
    USE_TZ=True,
    LOGGING_CONFIG=None,
)
django.setup()


def hello(request):
    return JsonResponse({"hasError": False, "payload": {"message": "hello"}})


urlpatterns = [path("<path:anything>", hello), path("", hello)]

application = get_wsgi_application()
