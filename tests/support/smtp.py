"""A real SMTP server on loopback for mail tests (aiosmtpd), and Django's SMTP backend pointed at it.

``SmtpServer`` takes a free port of ``AIMG_TEST_SMTP_PORTS`` (default ``18650-18699``, clear of
the fixed S3 ports of tests/technical; an offset per pytest-xdist process) when built, so a test
may point Django at it before it listens (a server "down at first") and ``start()`` it later. Its
``inbox`` records every message received (parsed) and every ``RCPT`` answer; ``refuse_next(answer,
n)`` makes the next ``n`` recipients get ``answer`` (e.g. a transient ``451`` or a permanent
``550``), then it accepts again. With ``credentials`` it requires ``AUTH`` (over plain text:
loopback only). It stops when the ``with`` block (or the test's fixture) ends.
"""

from __future__ import annotations

import email
import os
import socket
import threading
import time
from email import policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def _ports() -> list[int]:
    first, _, last = os.environ.get("AIMG_TEST_SMTP_PORTS", "18650-18699").partition("-")
    ports = list(range(int(first), int(last or first) + 1))
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    offset = int(worker[2:]) * 10 % len(ports) if worker[2:].isdigit() else 0
    return ports[offset:] + ports[:offset]


def _port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class Inbox:
    """The aiosmtpd handler: what the server received and answered."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], EmailMessage]] = []
        self.rcpt_answers: list[str] = []
        self._refusals: list[str] = []
        self._lock = threading.Lock()

    def refuse_next(self, answer: str, n: int = 1) -> None:
        with self._lock:
            self._refusals.extend([answer] * n)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self._lock:
            answer = self._refusals.pop(0) if self._refusals else "250 OK"
            self.rcpt_answers.append(answer)
        if answer.startswith("250"):
            envelope.rcpt_tos.append(address)
        return answer

    def wait_for(self, recipient: str, timeout: float = 20) -> EmailMessage:
        """The latest message to ``recipient``, waiting up to ``timeout`` seconds for one to arrive."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for _sender, _recipients, message in reversed(self.messages):
                if recipient in message["To"]:
                    return message
            time.sleep(0.1)
        raise AssertionError(f"No email to {recipient} within {timeout} s")

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


class SmtpServer:
    """One SMTP server on 127.0.0.1 (see the module docstring)."""

    def __init__(self, *, credentials: tuple[str, str] | None = None) -> None:
        self.inbox = Inbox()
        self.credentials = credentials
        self.auth_attempts = 0
        self._controller: Controller | None = None
        self.port = next((p for p in _ports() if _port_is_free(p)), 0)
        assert self.port, "no free port for the SMTP server in AIMG_TEST_SMTP_PORTS"

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        self.auth_attempts += 1
        assert self.credentials is not None
        user, password = self.credentials
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login.decode(),
            auth_data.password.decode(),
        ) == (user, password)
        return AuthResult(success=ok)

    def start(self) -> SmtpServer:
        kwargs: dict = {}
        if self.credentials is not None:
            kwargs = {
                "authenticator": self._authenticate,
                "auth_required": True,
                "auth_require_tls": False,
            }
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, **kwargs)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def wait_for(self, recipient: str, timeout: float = 20) -> EmailMessage:
        """``Inbox.wait_for`` of this server's inbox."""
        return self.inbox.wait_for(recipient, timeout)

    def __enter__(self) -> SmtpServer:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def point_django_at(self, settings) -> None:
        """Send the site's mail to this server over the wire (pytest-django's ``settings``)."""
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", self.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        user, password = self.credentials or ("", "")
        settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = user, password
        settings.EMAIL_TIMEOUT = 5


def parts(message: EmailMessage) -> tuple[str, str]:
    """The plain-text and HTML bodies of ``message``."""
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None, "the message lacks a text or an HTML part"
    return text.get_content(), html.get_content()
