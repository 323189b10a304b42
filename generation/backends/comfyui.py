"""The ``comfyui`` back end: a client for ComfyUI's HTTP API (docs: ``comfyui-api-notes.md``).

The one function other code needs is :func:`run_graph`::

    from generation.backends.comfyui import run_graph

    outputs = run_graph(graph, prompt_id=job.id, progress=report)
    # -> [OutputFile(content=b"...", filename="aimg_00001_.png", mime_type="image/png"), ...]

``graph`` is an API-format workflow (``{node_id: {"class_type": ..., "inputs": {...}}}``)
with every parameter already substituted (:func:`request_graph` fills a catalog
template's ``%marker%`` strings with API2's typed substitution,
:func:`generation.workflows.parameters.fill`). ``prompt_id`` is the job's UUID: ComfyUI
queues the graph under it, so a redelivered job finds its earlier submission
instead of running twice (every configured server's ``/history/{id}`` and
``/queue`` are looked at before submitting; a ``409`` answer means "already
there"). ``progress(fraction or None)`` is called at every interval: the
whole graph's progress from the ``progress`` messages ComfyUI sent over its
``/ws`` websocket (:class:`PromptEvents`, connected with ``clientId`` = the
submitted ``client_id``; each stepping node's ``value / max``, averaged), or ``None``
when nothing new was heard. A dropped socket is reconnected (``WEBSOCKET_REOPENS``
times); with none (an old server or a proxy, or one that stays away) ``/history``
polling finds the end alone. It may raise :class:`~generation.backends.RunCancelled`, and so may ``is_cancelled()``
returning true: the prompt is then removed from the server's queue (pending)
or interrupted (running) and ``RunCancelled`` is re-raised. The outputs are
every file of type ``output`` the graph's output nodes saved (``temp``
previews only when there is no ``output`` file), in node-id order (numeric
ids numerically), each node's files in their order.

Errors: :class:`~generation.backends.TransientBackendError` for connection
failures, timeouts and 5xx answers (retry later: the next attempt finds the
prompt again by its id); :class:`~generation.backends.PermanentBackendError`
for a graph the server refuses (400 with ``error``/``node_errors``, turned
into one readable sentence), an ``execution_error`` or an interruption
nobody here asked for, a missing output file, or a prompt still unfinished
after ``COMFYUI_JOB_TIMEOUT`` seconds (it is cancelled on the server first).

Input images (``LoadImage``): ``upload_inputs(images, servers=...)`` uploads them with
``POST /upload/image`` to every server and returns the names to write in the
graph (a prompt may go to any of them).

Servers: ``COMFYUI_URL`` is a comma-separated list of base URLs; a new
prompt goes to the reachable server with the fewest running and pending
prompts. ``COMFYUI_REQUEST_TIMEOUT`` bounds each HTTP request (and the
websocket handshake), ``COMFYUI_POLL_SECONDS`` is the polling interval,
``COMFYUI_WEBSOCKET`` (default true) whether to listen on ``/ws``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import mimetypes
import random
import re
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
import websocket
from django.conf import settings

from . import OutputFile, PermanentBackendError, Progress, RenderRequest, RunCancelled, TransientBackendError

#: Where the catalog's ComfyUI workflow templates live (``<workflow_template>.json``).
TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "catalog" / "comfyui"

#: A1111 sampler names (the API's) → ComfyUI (sampler_name, scheduler).
SAMPLERS: dict[str, tuple[str, str]] = {
    "DPM++ 2M Karras": ("dpmpp_2m", "karras"),
    "DPM++ 2M": ("dpmpp_2m", "normal"),
    "DPM++ SDE Karras": ("dpmpp_sde", "karras"),
    "Euler a": ("euler_ancestral", "normal"),
    "Euler": ("euler", "normal"),
    "DDIM": ("ddim", "ddim_uniform"),
    "Heun": ("heun", "normal"),
    "LMS": ("lms", "normal"),
}

logger = logging.getLogger(__name__)

#: Seconds to wait for the history entry once the websocket said the prompt ended (ComfyUI sends
#: ``execution_error`` before it writes the history; after that the websocket's message is used).
FINISH_GRACE_SECONDS = 5.0

#: How many times a dropped websocket is reconnected for one prompt before polling alone goes on.
WEBSOCKET_REOPENS = 3

_UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


# ---------------------------------------------------------------- configuration


def configured_servers() -> list[str]:
    """The base URLs of ``COMFYUI_URL`` (comma-separated), without trailing slashes."""
    return [u.strip().rstrip("/") for u in str(settings.COMFYUI_URL).split(",") if u.strip()]


def canonical_prompt_id(prompt_id: uuid.UUID | str) -> str:
    """The canonical lowercase hyphenated UUID newer ComfyUI servers require."""
    return str(uuid.UUID(str(prompt_id)))


# ---------------------------------------------------------------- one server


class PromptRejected(PermanentBackendError):
    """ComfyUI refused the graph (400): ``node_errors`` keeps the server's details."""

    def __init__(self, message: str, node_errors: dict | None = None):
        super().__init__(message)
        self.node_errors = node_errors or {}


def rejection_message(body: Any) -> str:
    """One readable sentence from a 400 ``{"error": {...}, "node_errors": {...}}`` body."""
    if not isinstance(body, dict):
        return "ComfyUI refused the workflow."
    error = body.get("error")
    if isinstance(error, dict):
        head = str(error.get("message") or error.get("type") or "invalid workflow")
        details = str(error.get("details") or "")
    else:
        head, details = str(error or "invalid workflow"), ""
    parts: list[str] = []
    node_errors = body.get("node_errors") or {}
    if isinstance(node_errors, dict):
        for node_id, entry in sorted(node_errors.items(), key=lambda kv: _node_key(kv[0])):
            if not isinstance(entry, dict):
                continue
            for err in entry.get("errors") or []:
                if not isinstance(err, dict):
                    continue
                extra = err.get("extra_info") or {}
                name = extra.get("input_name") if isinstance(extra, dict) else None
                where = f"node {node_id} ({entry.get('class_type', '?')})" + (
                    f" input '{name}'" if name else ""
                )
                what = str(err.get("message") or err.get("type") or "invalid")
                details = str(err.get("details") or "")
                if details and details != name and details not in what:
                    what += f" ({details})"
                parts.append(f"{where}: {what}")
    text = f"ComfyUI refused the workflow: {head}"
    if details and not parts:
        text += f" ({details})"
    if parts:
        text += "; " + "; ".join(parts[:5])
    return text


@dataclass
class ComfyUIServer:
    """HTTP calls to one ComfyUI server at ``base_url``."""

    base_url: str
    timeout: float = 10.0
    session: requests.Session | None = None

    def _http(self) -> requests.Session:
        if self.session is None:
            self.session = requests.Session()
        return self.session

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        """One request; connection errors, timeouts and 5xx raise TransientBackendError."""
        url = f"{self.base_url}{path}"
        try:
            response = self._http().request(method, url, timeout=self.timeout, **kwargs)
        except requests.Timeout as exc:
            raise TransientBackendError(f"ComfyUI at {self.base_url} did not answer in time.") from exc
        except requests.RequestException as exc:
            raise TransientBackendError(f"ComfyUI at {self.base_url} is unreachable.") from exc
        if response.status_code >= 500:
            raise TransientBackendError(f"ComfyUI at {self.base_url} answered {response.status_code}.")
        return response

    def _json(self, response: requests.Response) -> Any:
        try:
            return response.json()
        except ValueError as exc:
            raise TransientBackendError(
                f"ComfyUI at {self.base_url} answered {response.request.path_url} with no JSON."
            ) from exc

    def submit(self, graph: dict, *, prompt_id: str, client_id: str) -> bool:
        """``POST /prompt``; True when queued now, False when the server already had ``prompt_id`` (409)."""
        body = {"prompt": graph, "prompt_id": prompt_id, "client_id": client_id}
        response = self.request("POST", "/prompt", json=body)
        if response.status_code == 409:
            return False
        if response.status_code == 400:
            try:
                payload = response.json()
            except ValueError:
                payload = None
            raise PromptRejected(
                rejection_message(payload), payload.get("node_errors") if isinstance(payload, dict) else None
            )
        if response.status_code != 200:
            raise PermanentBackendError(f"ComfyUI refused the workflow ({response.status_code}).")
        return True

    def history(self, prompt_id: str) -> dict | None:
        """The finished prompt's history entry, or ``None`` while it is pending, running or unknown."""
        response = self.request("GET", f"/history/{prompt_id}")
        if response.status_code != 200:
            raise TransientBackendError(
                f"ComfyUI at {self.base_url} answered /history with {response.status_code}."
            )
        data = self._json(response)
        entry = data.get(prompt_id) if isinstance(data, dict) else None
        return entry if isinstance(entry, dict) else None

    def queue(self) -> tuple[list[str], list[str]]:
        """``GET /queue``: the prompt ids running and pending."""
        response = self.request("GET", "/queue")
        if response.status_code != 200:
            raise TransientBackendError(
                f"ComfyUI at {self.base_url} answered /queue with {response.status_code}."
            )
        data = self._json(response)

        def ids(entries: Any) -> list[str]:
            return [str(e[1]) for e in entries or [] if isinstance(e, list) and len(e) > 1]

        return ids(data.get("queue_running")), ids(data.get("queue_pending"))

    def view(self, *, filename: str, subfolder: str, kind: str) -> tuple[bytes, str]:
        """``GET /view``: a file's bytes and MIME type; a missing file is permanent."""
        params = {"filename": filename, "subfolder": subfolder, "type": kind}
        response = self.request("GET", "/view", params=params)
        if response.status_code != 200:
            raise PermanentBackendError(
                f"ComfyUI could not deliver the output {filename!r} ({response.status_code})."
            )
        mime = response.headers.get("Content-Type", "").split(";")[0].strip()
        if not mime or mime == "application/octet-stream":
            mime = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        return response.content, mime

    def upload_image(
        self, *, content: bytes, filename: str, subfolder: str = "", overwrite: bool = True
    ) -> str:
        """``POST /upload/image``: store an input image for ``LoadImage``; returns the name to put in the graph."""
        files = {
            "image": (filename, content, mimetypes.guess_type(filename)[0] or "application/octet-stream")
        }
        data = {"overwrite": "true" if overwrite else "false", "subfolder": subfolder, "type": "input"}
        response = self.request("POST", "/upload/image", files=files, data=data)
        if response.status_code != 200:
            raise PermanentBackendError(
                f"ComfyUI refused the input image {filename!r} ({response.status_code})."
            )
        body = self._json(response)
        name = str(body.get("name") or filename)
        return f"{body.get('subfolder')}/{name}" if body.get("subfolder") else name

    def cancel(self, prompt_id: str) -> None:
        """Stop ``prompt_id`` here: removed when pending, interrupted when running.

        ``POST /api/jobs/{id}/cancel`` where the server has it; otherwise
        ``POST /queue {"delete": [id]}`` and, only if it is the running prompt,
        ``POST /interrupt {"prompt_id": id}`` (an older server would interrupt
        whatever runs, so it is never sent blindly).
        """
        response = self.request("POST", f"/api/jobs/{prompt_id}/cancel")
        if response.status_code == 200:
            try:
                if response.json().get("cancelled"):
                    return
            except (ValueError, AttributeError):
                pass
        running, pending = self.queue()
        if prompt_id in pending:
            self.request("POST", "/queue", json={"delete": [prompt_id]})
        if prompt_id in running:
            self.request("POST", "/interrupt", json={"prompt_id": prompt_id})

    def load(self) -> int:
        """How many prompts run or wait here."""
        running, pending = self.queue()
        return len(running) + len(pending)


# ---------------------------------------------------------------- the websocket


class PromptEvents:
    """ComfyUI's ``/ws?clientId=...`` websocket, read for one prompt (``connect`` returns None if it cannot).

    ComfyUI sends a prompt's ``executing``/``progress``/``execution_*`` messages to the
    socket whose ``clientId`` is the prompt's ``client_id``. :meth:`wait` reads what
    arrives within some seconds and keeps: ``fraction`` (the whole graph's progress, see
    below), ``ended`` (an ``execution_success``,
    ``execution_error`` or ``execution_interrupted`` of this prompt, or ``executing``
    with ``node: null``, which ComfyUI sends once the history entry is written),
    ``interrupted`` and ``failure`` (the readable message of an ``execution_error``). Binary frames
    (previews) and other messages are skipped. A closed or broken socket sets
    ``dropped``; :meth:`reopen` connects again with the same ``clientId`` (ComfyUI then
    sends this client's messages to the new socket) and keeps what was heard.

    Progress: ComfyUI's ``progress`` message is ``value / max`` of one node (``node``), and
    every node that reports steps starts again from 0 (a base sampler, then a refiner or
    an upscaler's). ``fraction`` is the mean over the graph's stepping nodes
    (``stepped_nodes``: those with a ``steps`` input, plus any other node heard
    reporting), a node counting 1 once another node reports after it (ComfyUI runs one
    node at a time). It never goes back.
    """

    def __init__(
        self,
        ws: websocket.WebSocket,
        prompt_id: str,
        *,
        url: str,
        timeout: float,
        stepped_nodes: Iterable[str] = (),
    ):
        self.ws = ws
        self.prompt_id = prompt_id
        self.url, self.timeout = url, timeout
        self.fraction: float | None = None
        self.ended = False
        self.failure = ""
        self.interrupted = False
        self.dropped = False
        self.reopened = 0
        self._nodes: set[str] = {str(node) for node in stepped_nodes}
        self._node_fractions: dict[str, float] = {}

    @staticmethod
    def _url(base_url: str, client_id: str) -> str:
        scheme, sep, rest = base_url.partition("://")
        return f"{'wss' if scheme == 'https' else 'ws'}{sep}{rest}/ws?clientId={client_id}"

    @classmethod
    def connect(
        cls,
        base_url: str,
        *,
        client_id: str,
        prompt_id: str,
        timeout: float,
        stepped_nodes: Iterable[str] = (),
    ) -> PromptEvents | None:
        url = cls._url(base_url, client_id)
        try:
            ws = websocket.create_connection(url, timeout=timeout, enable_multithread=False)
        except (websocket.WebSocketException, OSError, ValueError) as exc:
            logger.info("ComfyUI websocket at %s unavailable (%s); polling /history", base_url, exc)
            return None
        return cls(ws, prompt_id, url=url, timeout=timeout, stepped_nodes=stepped_nodes)

    def reopen(self) -> bool:
        """Connect again after a drop (same ``clientId``); False, and still dropped, if refused."""
        self.close()
        try:
            self.ws = websocket.create_connection(self.url, timeout=self.timeout, enable_multithread=False)
        except (websocket.WebSocketException, OSError, ValueError) as exc:
            logger.info("ComfyUI websocket for %s not reopened (%s)", self.prompt_id, exc)
            return False
        self.dropped = False
        self.reopened += 1
        return True

    def close(self) -> None:
        with contextlib.suppress(websocket.WebSocketException, OSError):
            self.ws.close(timeout=1)

    def wait(self, seconds: float) -> None:
        """Read messages for up to ``seconds``; return early when the prompt ended or the socket dropped."""
        deadline = time.monotonic() + seconds
        while not self.dropped:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            try:
                self.ws.settimeout(left)
                opcode, data = self.ws.recv_data()
            except websocket.WebSocketTimeoutException:
                return
            except (websocket.WebSocketException, OSError, ValueError):
                self.dropped = True
                return
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                self.dropped = True
                return
            if opcode != websocket.ABNF.OPCODE_TEXT:
                continue  # a preview image (4-byte event type, then the image)
            if self._handle(data) and self.ended:
                return

    def _node_progress(self, node: str, fraction: float) -> None:
        for other, heard in self._node_fractions.items():
            if other != node and heard < 1.0:
                self._node_fractions[other] = 1.0  # ComfyUI moved on: that node is done
        self._nodes.add(node)
        self._node_fractions[node] = fraction
        overall = sum(self._node_fractions.values()) / len(self._nodes)
        self.fraction = max(overall, self.fraction or 0.0)

    def _handle(self, data: bytes | str) -> bool:
        try:
            message = json.loads(data)
        except ValueError:
            return False
        if not isinstance(message, dict) or not isinstance(message.get("data"), dict):
            return False
        kind, body = message.get("type"), message["data"]
        if body.get("prompt_id", self.prompt_id) != self.prompt_id:
            return False
        if kind == "progress":
            value, total = body.get("value"), body.get("max")
            if isinstance(value, int | float) and isinstance(total, int | float) and total > 0:
                self._node_progress(str(body.get("node")), max(0.0, min(1.0, value / total)))
            return True
        finished = kind == "executing" and body.get("node") is None and "prompt_id" in body
        if finished or kind == "execution_success":
            self.ended = True
        elif kind == "execution_interrupted":
            self.ended = self.interrupted = True
        elif kind == "execution_error":
            self.ended = True
            self.failure = _execution_error_message(body)
        else:
            return False
        return True


# ---------------------------------------------------------------- a graph on a set of servers


def stepped_nodes(graph: dict) -> list[str]:
    """The ids of the graph's nodes that take a number of ``steps`` (samplers): those ComfyUI's
    ``progress`` messages come from."""
    return [
        str(node_id)
        for node_id, node in graph.items()
        if isinstance(node, dict) and isinstance(node.get("inputs"), dict) and "steps" in node["inputs"]
    ]


def _node_key(node_id: str) -> tuple[int, int, str]:
    return (0, int(node_id), "") if str(node_id).isdigit() else (1, 0, str(node_id))


def _execution_error_message(data: dict) -> str:
    """The readable sentence of an ``execution_error`` (history message or websocket data)."""
    node = f"node {data.get('node_id', '?')} ({data.get('node_type', '?')})"
    what = f"{data.get('exception_type', 'error')}: {data.get('exception_message', '')}".strip()
    return f"The workflow failed at {node}: {what}"


def _execution_message(entry: dict) -> tuple[str, str]:
    """(``"error"`` | ``"interrupted"`` | ``""``, readable message) from a history entry's messages."""
    status = entry.get("status") or {}
    for event, data in status.get("messages") or []:
        if event == "execution_error" and isinstance(data, dict):
            return "error", _execution_error_message(data)
        if event == "execution_interrupted":
            return "interrupted", "The generation was interrupted on the ComfyUI server."
    if status.get("status_str") == "error":
        return "error", "The workflow failed on the ComfyUI server."
    return "", ""


def _output_refs(entry: dict) -> list[dict]:
    """The file references of a finished prompt, ``output`` files first choice, in node order."""
    outputs = entry.get("outputs") or {}
    refs: list[dict] = []
    for node_id in sorted(outputs, key=_node_key):
        node_out = outputs[node_id]
        if not isinstance(node_out, dict):
            continue
        for value in node_out.values():
            if isinstance(value, list):
                refs.extend(v for v in value if isinstance(v, dict) and "filename" in v)
    saved = [r for r in refs if r.get("type", "output") == "output"]
    return saved or refs


@dataclass
class _Lookup:
    """Where a prompt id stands on a set of servers: found on one, or the load of each that answered."""

    server: ComfyUIServer | None = None
    entry: dict | None = None
    loads: list[tuple[int, ComfyUIServer]] | None = None


def _locate(servers: list[ComfyUIServer], prompt_id: str) -> _Lookup:
    """The server that already has ``prompt_id`` (finished: with its history entry), or else every
    server that answered with its load (running + pending prompts); unreachable ones are left out,
    so a prompt is never submitted to a server that could not be checked for it."""
    loads: list[tuple[int, ComfyUIServer]] = []
    for server in servers:
        try:
            entry = server.history(prompt_id)
            if entry is not None:
                return _Lookup(server=server, entry=entry)
            running, pending = server.queue()
        except TransientBackendError:
            continue
        if prompt_id in running or prompt_id in pending:
            return _Lookup(server=server)
        loads.append((len(running) + len(pending), server))
    return _Lookup(loads=loads)


def _least_loaded(loads: list[tuple[int, ComfyUIServer]]) -> ComfyUIServer:
    if not loads:
        raise TransientBackendError("No ComfyUI server is reachable.")
    return min(loads, key=lambda t: (t[0], random.random()))[1]


def run_graph(
    graph: dict,
    *,
    prompt_id: uuid.UUID | str,
    progress: Progress | None = None,
    is_cancelled: Callable[[], bool] | None = None,
    servers: Iterable[str] | None = None,
    poll_seconds: float | None = None,
    timeout: float | None = None,
    use_websocket: bool | None = None,
) -> list[OutputFile]:
    """Run an API-format ``graph`` on ComfyUI under ``prompt_id`` and return its output files in node order.

    ``use_websocket`` (default: the setting ``COMFYUI_WEBSOCKET``) follows the prompt over
    ``/ws``: progress fractions, and an early end; without it, or when the socket
    cannot connect or drops, ``/history`` polling alone finds the end.

    See the module docstring for progress, cancellation, errors and servers.
    """
    if not isinstance(graph, dict) or not graph:
        raise PermanentBackendError("The workflow is empty or not an API-format graph.")
    pid = canonical_prompt_id(prompt_id)
    urls = list(servers) if servers is not None else configured_servers()
    if not urls:
        raise PermanentBackendError("No ComfyUI server is configured (COMFYUI_URL).")
    request_timeout = float(settings.COMFYUI_REQUEST_TIMEOUT)
    pool = [ComfyUIServer(url.rstrip("/"), timeout=request_timeout) for url in urls]
    poll = float(settings.COMFYUI_POLL_SECONDS if poll_seconds is None else poll_seconds)
    limit = float(settings.COMFYUI_JOB_TIMEOUT if timeout is None else timeout)

    listen = bool(settings.COMFYUI_WEBSOCKET if use_websocket is None else use_websocket)
    client_id = f"aimg-{pid}"  # the same on every attempt: a redelivered job hears its prompt again

    lookup = _locate(pool, pid)
    server, entry = lookup.server, lookup.entry
    events: PromptEvents | None = None
    try:
        if entry is None:
            if server is None:
                server = _least_loaded(lookup.loads or [])
                submit = True
            else:
                submit = False
            if listen:  # connected before submitting, so that no message is missed
                events = PromptEvents.connect(
                    server.base_url,
                    client_id=client_id,
                    prompt_id=pid,
                    timeout=request_timeout,
                    stepped_nodes=stepped_nodes(graph),
                )
            if submit:
                server.submit(graph, prompt_id=pid, client_id=client_id)
            entry = _follow(
                server,
                pid,
                events=events,
                progress=progress,
                is_cancelled=is_cancelled,
                poll=poll,
                limit=limit,
            )
    finally:
        if events is not None:
            events.close()
    assert server is not None

    outcome, message = _execution_message(entry)
    if outcome == "interrupted" and is_cancelled is not None and is_cancelled():
        raise RunCancelled()
    if outcome:
        raise PermanentBackendError(message)
    refs = _output_refs(entry)
    if not refs:
        raise PermanentBackendError("The workflow finished without saving any output.")
    files = []
    for ref in refs:
        content, mime = server.view(
            filename=str(ref["filename"]),
            subfolder=str(ref.get("subfolder", "")),
            kind=str(ref.get("type", "output")),
        )
        files.append(OutputFile(content=content, filename=str(ref["filename"]), mime_type=mime))
    return files


def _follow(
    server: ComfyUIServer,
    pid: str,
    *,
    events: PromptEvents | None,
    progress: Progress | None,
    is_cancelled: Callable[[], bool] | None,
    poll: float,
    limit: float,
) -> dict:
    """Wait for ``pid``'s history entry on ``server``; report progress; cancel on request.

    With a websocket, ``/history`` is read when it says the prompt ended, and every
    fifth interval in case a message was missed; without one (or once it dropped),
    at every interval. Every fifth interval ``/queue`` is read too: a prompt that is
    neither queued nor in the history was lost (the server restarted).
    """
    deadline = time.monotonic() + limit
    polls = 0
    reported: float | None = None
    ended_at: float | None = None
    while True:
        fraction = events.fraction if events is not None else None
        try:
            if is_cancelled is not None and is_cancelled():
                raise RunCancelled()
            if progress is not None:
                progress(fraction if fraction != reported else None)
                reported = fraction
        except RunCancelled:
            try:
                server.cancel(pid)
            except TransientBackendError:
                # The job is cancelled whatever the server says; it must not turn into a retry.
                logger.warning("ComfyUI at %s unreachable while cancelling %s", server.base_url, pid)
            raise
        if events is not None and events.dropped:
            # Reconnected at once, a few times per prompt; /history polling covers what was
            # missed meanwhile (every fifth interval) and takes over when the socket stays away.
            if events.reopened < WEBSOCKET_REOPENS and events.reopen():
                logger.info("ComfyUI websocket for %s dropped; reconnected", pid)
                polls = 0  # read /history now: the end may have come while disconnected
            else:
                logger.info("ComfyUI websocket for %s dropped; polling /history", pid)
                events.close()
                events = None
        listening = events is not None and not events.ended
        if not listening or polls % 5 == 0:
            entry = server.history(pid)
            if entry is not None:
                return entry
        if events is not None and events.ended:
            ended_at = ended_at if ended_at is not None else time.monotonic()
            if events.failure and time.monotonic() - ended_at > FINISH_GRACE_SECONDS:
                raise PermanentBackendError(events.failure)  # the history never came: the socket's word
        polls += 1
        if polls % 5 == 0:
            running, pending = server.queue()
            if pid not in running and pid not in pending:
                entry = server.history(pid)  # finished between the two reads?
                if entry is None:
                    if events is not None and events.failure:
                        raise PermanentBackendError(events.failure)
                    raise TransientBackendError("The ComfyUI server lost the prompt (restarted?).")
                return entry
        if time.monotonic() > deadline:
            server.cancel(pid)
            raise PermanentBackendError(f"The generation did not finish within {limit:g} seconds.")
        if events is not None and events.ended:
            time.sleep(min(poll, 0.05))  # the history entry follows the final message closely
        elif events is not None:
            events.wait(poll)
        else:
            time.sleep(poll)


def upload_inputs(images: dict[str, bytes], *, servers: Iterable[str] | None = None) -> dict[str, str]:
    """Upload ``{filename: bytes}`` to every server (``POST /upload/image``); returns ``{filename: graph name}``.

    Every server gets every image, since the prompt goes to whichever is free.
    """
    urls = list(servers) if servers is not None else configured_servers()
    if not urls:
        raise PermanentBackendError("No ComfyUI server is configured (COMFYUI_URL).")
    names: dict[str, str] = {}
    for url in urls:
        server = ComfyUIServer(url.rstrip("/"), timeout=float(settings.COMFYUI_REQUEST_TIMEOUT))
        for filename, content in images.items():
            names[filename] = server.upload_image(content=content, filename=filename)
    return names


# ---------------------------------------------------------------- catalog templates

#: The catalog templates' markers, as API2 WorkflowTemplateParameter definitions: ``fill`` of
#: :mod:`generation.workflows.parameters` types each value by its definition (a whole-number
#: ``number`` becomes a JSON int, ``cfg`` a JSON float, text a JSON string) and substitutes it.
TEMPLATE_PARAMETERS: list[dict[str, Any]] = [
    {"name": "prompt", "dataType": "string", "replaceFromString": "%prompt%"},
    {"name": "negprompt", "dataType": "string", "replaceFromString": "%negprompt%"},
    {"name": "seed", "dataType": "number", "replaceFromString": "%seed%", "increment": "1"},
    {"name": "steps", "dataType": "number", "replaceFromString": "%steps%", "increment": "1"},
    {"name": "cfg", "dataType": "number", "replaceFromString": "%cfg%", "increment": "0.01"},
    {"name": "sampler", "dataType": "string", "replaceFromString": "%sampler%"},
    {"name": "scheduler", "dataType": "string", "replaceFromString": "%scheduler%"},
    {"name": "width", "dataType": "number", "replaceFromString": "%width%", "increment": "1"},
    {"name": "height", "dataType": "number", "replaceFromString": "%height%", "increment": "1"},
    {"name": "frames", "dataType": "number", "replaceFromString": "%frames%", "increment": "1"},
    {"name": "fps", "dataType": "number", "replaceFromString": "%fps%", "increment": "1"},
    {"name": "model", "dataType": "string", "replaceFromString": "%model%"},
    {"name": "prefix", "dataType": "string", "replaceFromString": "%prefix%"},
]
#: What looks like a marker in a catalog template (an unknown one is a load_catalog error).
MARKER_SYNTAX = re.compile(r"%[A-Za-z0-9_]+%")
#: The values a template of each kind must use (else the request's value would silently be lost).
REQUIRED_MARKERS: dict[str, frozenset[str]] = {
    "image": frozenset({"prompt", "negprompt", "seed", "steps", "cfg", "sampler", "width", "height"}),
    "video": frozenset(
        {"prompt", "negprompt", "seed", "steps", "cfg", "sampler", "width", "height", "frames", "fps"}
    ),
}


def load_template(name: str, *, directory: Path | None = None) -> dict:
    """The catalog's workflow template ``name`` (``generation/catalog/comfyui/<name>.json``)."""
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name or ""):
        raise PermanentBackendError(f"The model has no valid ComfyUI workflow template ({name!r}).")
    path = (directory or TEMPLATES_DIR) / f"{name}.json"
    if not path.is_file():
        raise PermanentBackendError(f"The ComfyUI workflow template {name!r} does not exist.")
    with open(path, encoding="utf-8") as f:
        try:
            graph = json.load(f)
        except ValueError as exc:
            raise PermanentBackendError(f"The ComfyUI workflow template {name!r} is not JSON: {exc}") from exc
    if not isinstance(graph, dict):
        raise PermanentBackendError(f"The ComfyUI workflow template {name!r} is not an API-format graph.")
    return graph


def template_problems(name: str, *, kind: str, directory: Path | None = None) -> list[str]:
    """What is wrong with the catalog template ``name`` for a model of ``kind`` (empty: usable)."""
    from generation.workflows.parameters import marker_problems

    try:
        graph = load_template(name, directory=directory)
    except PermanentBackendError as exc:
        return [str(exc)]
    return marker_problems(
        workflow=graph,
        definitions=TEMPLATE_PARAMETERS,
        syntax=MARKER_SYNTAX,
        required=REQUIRED_MARKERS.get(kind, REQUIRED_MARKERS["image"]),
    )


def template_values(request: RenderRequest) -> dict[str, Any]:
    """The marker values of a generation request, by TEMPLATE_PARAMETERS name."""
    sampler, scheduler = SAMPLERS.get(request.sampler, ("euler", "normal"))
    return {
        "prompt": request.prompt,
        "negprompt": request.negprompt,
        "seed": request.seed,
        "steps": request.steps,
        "cfg": request.cfgscale,
        "sampler": sampler,
        "scheduler": scheduler,
        "width": request.width,
        "height": request.height,
        "frames": request.frames or 1,
        "fps": request.fps or 8,
        "model": request.model,
        "prefix": f"aimg/{request.job_id}",
    }


def fill_template(template: dict, values: dict[str, Any]) -> dict:
    """``template`` with its markers replaced by ``values`` (API2's typed substitution)."""
    from generation.workflows.parameters import fill

    try:
        return fill(template, TEMPLATE_PARAMETERS, values)
    except ValueError as exc:
        raise PermanentBackendError(f"The ComfyUI workflow could not be filled in: {exc}") from exc


def request_graph(request: RenderRequest) -> dict:
    """The API-format graph for ``request``: its model's catalog template, filled in."""
    return fill_template(load_template(request.workflow_template), template_values(request))


def render(request: RenderRequest, *, progress: Progress) -> list[OutputFile]:
    """The back-end interface: the model's template with the request's values, run on ComfyUI."""
    return run_graph(request_graph(request), prompt_id=request.job_id, progress=progress)
