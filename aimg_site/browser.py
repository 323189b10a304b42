"""Middleware that only browsers with cookies need, run only on the paths they use.

The API authenticates with headers (``X-Session-ID``, ``X-Administration-Key``)
and never reads a cookie, a CSRF token or a flash message. Django's cookie
session, CSRF protection, authentication and messages, and allauth's
middleware, serve two things only: the admin console (``/console/``) and the
OAuth round trip (``POST /auth/<provider>`` keeps allauth's state in the
cookie session; ``/accounts/<provider>/login/callback/`` reads it back).

``BrowserMiddleware`` sits in ``MIDDLEWARE`` in their place and runs
``AIMG_BROWSER_MIDDLEWARE`` (built once, as Django builds its own chain, with
their ``process_view``/``process_exception``/``process_template_response``
hooks) for paths under ``AIMG_BROWSER_PATH_PREFIXES``; every other request goes
straight on. The admin's and allauth's start-up checks look for their
middleware in ``MIDDLEWARE``; ``checks`` below checks the browser chain instead.
"""

from __future__ import annotations

from allauth.account.apps import AccountConfig
from django.conf import settings
from django.core import checks
from django.core.handlers.exception import convert_exception_to_response
from django.utils.module_loading import import_string

#: What the admin console and allauth need in the browser chain (their own checks look in MIDDLEWARE).
REQUIRED_BROWSER_MIDDLEWARE = (
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
)


class BrowserMiddleware:
    """Runs ``AIMG_BROWSER_MIDDLEWARE`` around the rest of the chain for browser paths only."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.prefixes = tuple(settings.AIMG_BROWSER_PATH_PREFIXES)
        self.view_hooks: list = []
        self.template_response_hooks: list = []
        self.exception_hooks: list = []
        handler = convert_exception_to_response(get_response)
        # The same order as django.core.handlers.base.BaseHandler.load_middleware.
        for path in reversed(settings.AIMG_BROWSER_MIDDLEWARE):
            instance = import_string(path)(handler)
            if hasattr(instance, "process_view"):
                self.view_hooks.insert(0, instance.process_view)
            if hasattr(instance, "process_template_response"):
                self.template_response_hooks.append(instance.process_template_response)
            if hasattr(instance, "process_exception"):
                self.exception_hooks.append(instance.process_exception)
            handler = convert_exception_to_response(instance)
        self.browser_chain = handler

    def __call__(self, request):
        if request.path_info.startswith(self.prefixes):
            return self.browser_chain(request)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.path_info.startswith(self.prefixes):
            return None
        for hook in self.view_hooks:
            response = hook(request, view_func, view_args, view_kwargs)
            if response is not None:
                return response
        return None

    def process_exception(self, request, exception):
        if not request.path_info.startswith(self.prefixes):
            return None
        for hook in self.exception_hooks:
            response = hook(request, exception)
            if response is not None:
                return response
        return None

    def process_template_response(self, request, response):
        if request.path_info.startswith(self.prefixes):
            for hook in self.template_response_hooks:
                response = hook(request, response)
        return response


class AllauthAccountConfig(AccountConfig):
    """``allauth.account`` without its start-up demand that its middleware be in ``MIDDLEWARE``
    (it is in ``AIMG_BROWSER_MIDDLEWARE``, which ``browser_middleware_check`` checks)."""

    def ready(self) -> None:
        from allauth.account import checks as allauth_checks  # noqa: F401  (registers allauth's checks)


@checks.register(checks.Tags.security)
def browser_middleware_check(app_configs=None, **kwargs):
    """The admin's E408-E410 and allauth's middleware demand, for the browser chain."""
    middleware = list(getattr(settings, "AIMG_BROWSER_MIDDLEWARE", []))
    errors = [
        checks.Error(f"{path} must be in AIMG_BROWSER_MIDDLEWARE.", id="aimg.E001")
        for path in REQUIRED_BROWSER_MIDDLEWARE
        if path not in middleware
    ]
    if "aimg_site.browser.BrowserMiddleware" not in settings.MIDDLEWARE:
        errors.append(
            checks.Error("aimg_site.browser.BrowserMiddleware must be in MIDDLEWARE.", id="aimg.E002")
        )
    if not any(
        "/console/".startswith(prefix) for prefix in getattr(settings, "AIMG_BROWSER_PATH_PREFIXES", ())
    ):
        errors.append(checks.Error("AIMG_BROWSER_PATH_PREFIXES must cover /console/.", id="aimg.E003"))
    return errors
