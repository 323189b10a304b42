"""A ComfyUI stand-in: a real HTTP server on 127.0.0.1 that follows ComfyUI's request and response shapes.

What it does, as ComfyUI's ``server.py``/``execution.py`` do (``comfyui-api-notes.md``):

- ``POST /prompt`` validates the graph the way ComfyUI's ``validate_prompt``
  reports it: every node's ``class_type`` known (else 400 ``missing_node_type``),
  at least one output node (``prompt_no_outputs``), every required input
  present, links ``[node_id, slot]`` pointing at an existing node's output of
  the right type, numbers within range, choices among the allowed values (400
  ``prompt_outputs_failed_validation`` with ``node_errors``). ``prompt_id``
  must be a canonical lowercase UUID (``invalid_prompt_id``); a known id is a
  409 (``legacy=True`` behaves as 0.3.64: neither check, and no
  ``/api/jobs`` routes).
- One executor thread runs prompts in order, ``seconds_per_step`` per sampler
  step, and writes ``/history/{id}`` when a prompt finishes (``{}`` before):
  real PNG files for ``SaveImage``/``PreviewImage``, a real MP4 for
  ``SaveVideo`` (PyAV when installed, else an animated WebP is refused with an
  execution error), served by ``GET /view``.
- ``POST /upload/image`` (multipart ``image``, ``subfolder``, ``type``, ``overwrite``)
  stores an input that ``LoadImage`` reads.
- ``GET /queue``, ``POST /queue {"delete"}``, ``POST /interrupt {"prompt_id"}``,
  ``POST /api/jobs/{id}/cancel``; every route also under ``/api``.
- ``GET /ws?clientId=...`` is a real WebSocket (RFC 6455 handshake and frames),
  sending what ComfyUI's ``server.py``/``execution.py``/``main.py`` send: a
  ``status`` message on connect (``{"status": {"exec_info": {"queue_remaining"}},
  "sid"}``) and on queue changes; for the prompt whose ``client_id`` is that
  socket's id, ``execution_start``, ``execution_cached``, ``executing``
  ``{node, display_node, prompt_id}`` per node, ``progress`` ``{value, max,
  prompt_id, node}`` per sampler step with a binary preview frame (4-byte
  big-endian event 1 = PREVIEW_IMAGE, 4-byte image type 2 = PNG, the PNG) after
  each, ``executed`` for output nodes, then ``execution_success`` /
  ``execution_error`` / ``execution_interrupted``, the history entry is written,
  and ``executing {"node": null, "prompt_id"}`` last (ComfyUI's order). A
  reconnecting ``clientId`` replaces the older socket, as in ComfyUI.

Knobs for tests: ``fail_next(status, times)`` answers the next requests with
that HTTP status (a 5xx burst); ``response_delay`` slows every answer; ``fail_node`` makes a node class raise during
execution (an ``execution_error``); ``requests`` records each (method, path).
``websocket = False`` answers ``/ws`` with a plain 404 (an old server or a proxy
without WebSocket support); ``drop_websocket_after = n`` closes every socket
once, after the n-th ``progress`` message (a dropped connection), and
``websocket_after_drop = False`` refuses new sockets from then on; ``history_delay``
waits that long between the final websocket message and writing the history
entry; ``ws_sent`` records each (client id, type) sent; ``before_request(method, path)``
runs before each request is answered (to act between two requests of a client).
The port is the first free one of ``AIMG_TEST_PORTS`` (default ``18200-18299``).
"""

from __future__ import annotations

import base64
import contextlib
import email.policy
import hashlib
import io
import json
import os
import re
import socket
import struct
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from PIL import Image, ImageDraw


def _port_range() -> range:
    first, _, last = os.environ.get("AIMG_TEST_PORTS", "18200-18299").partition("-")
    return range(int(first), int(last or first) + 1)


PORT_RANGE = _port_range()
#: RFC 6455's handshake constant.
_WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

INT_MAX = 0xFFFFFFFFFFFFFFFF
SAMPLERS = ["euler", "euler_ancestral", "heun", "dpm_2", "lms", "dpmpp_2m", "dpmpp_sde", "ddim", "uni_pc"]
SCHEDULERS = ["normal", "karras", "exponential", "sgm_uniform", "simple", "ddim_uniform", "beta"]

#: The model files this server "has" (ComfyUI lists its models/ folders): the catalog's file groups.
CHECKPOINTS = [
    "f222.safetensors",
    "sd_xl_base_1.0.safetensors",
    "model3.safetensors",
    "realisticVisionV51.safetensors",
    "dreamshaper_8.safetensors",
]
LORAS = ["add_detail.safetensors", "film_grain.safetensors", "watercolor_style.safetensors"]

# class_type -> (required inputs {name: spec}, output types, is output node).
# A spec is a type name ("MODEL", "STRING", ...) or ("INT"/"FLOAT", min, max) or a list of choices.
NODES: dict[str, tuple[dict[str, Any], list[str], bool]] = {
    "CheckpointLoaderSimple": (
        {"ckpt_name": CHECKPOINTS},
        ["MODEL", "CLIP", "VAE"],
        False,
    ),
    # ComfyUI's core LoRA node (nodes.py LoraLoader): the API2 image template chains two.
    "LoraLoader": (
        {
            "model": "MODEL",
            "clip": "CLIP",
            "lora_name": LORAS,
            "strength_model": ("FLOAT", -100.0, 100.0),
            "strength_clip": ("FLOAT", -100.0, 100.0),
        },
        ["MODEL", "CLIP"],
        False,
    ),
    "CLIPTextEncode": ({"text": "STRING", "clip": "CLIP"}, ["CONDITIONING"], False),
    "EmptyLatentImage": (
        {"width": ("INT", 16, 16384), "height": ("INT", 16, 16384), "batch_size": ("INT", 1, 4096)},
        ["LATENT"],
        False,
    ),
    "KSampler": (
        {
            "model": "MODEL",
            "seed": ("INT", 0, INT_MAX),
            "steps": ("INT", 1, 10000),
            "cfg": ("FLOAT", 0.0, 100.0),
            "sampler_name": SAMPLERS,
            "scheduler": SCHEDULERS,
            "positive": "CONDITIONING",
            "negative": "CONDITIONING",
            "latent_image": "LATENT",
            "denoise": ("FLOAT", 0.0, 1.0),
        },
        ["LATENT"],
        False,
    ),
    "VAEDecode": ({"samples": "LATENT", "vae": "VAE"}, ["IMAGE"], False),
    "EmptyImage": (
        {
            "width": ("INT", 1, 16384),
            "height": ("INT", 1, 16384),
            "batch_size": ("INT", 1, 4096),
            "color": ("INT", 0, 0xFFFFFF),
        },
        ["IMAGE"],
        False,
    ),
    "ImageInvert": ({"image": "IMAGE"}, ["IMAGE"], False),
    "ImageScale": (
        {
            "image": "IMAGE",
            "upscale_method": ["nearest-exact", "bilinear", "area", "bicubic", "lanczos"],
            "width": ("INT", 0, 16384),
            "height": ("INT", 0, 16384),
            "crop": ["disabled", "center"],
        },
        ["IMAGE"],
        False,
    ),
    "LoadImage": ({"image": "STRING"}, ["IMAGE", "MASK"], False),
    "SaveImage": ({"images": "IMAGE", "filename_prefix": "STRING"}, [], True),
    "PreviewImage": ({"images": "IMAGE"}, [], True),
    "CreateVideo": ({"images": "IMAGE", "fps": ("FLOAT", 1.0, 120.0)}, ["VIDEO"], False),
    "SaveVideo": (
        {"video": "VIDEO", "filename_prefix": "STRING", "format": ["auto", "mp4"], "codec": ["auto", "h264"]},
        [],
        True,
    ),
}

_UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class Interrupted(Exception):
    pass


class NodeFailure(Exception):
    pass


def _input_error(kind: str, message: str, name: str, received: Any, details: str = "") -> dict:
    return {
        "type": kind,
        "message": message,
        "details": details or f"{name}",
        "extra_info": {"input_name": name, "input_config": None, "received_value": received},
    }


def validate(graph: Any) -> tuple[dict | None, dict]:
    """ComfyUI's answer to a graph: (error or None, node_errors)."""
    if not isinstance(graph, dict) or not graph:
        return {"type": "no_prompt", "message": "No prompt provided", "details": "", "extra_info": {}}, {}
    for node_id, node in graph.items():
        if not isinstance(node, dict) or "class_type" not in node:
            return {
                "type": "invalid_prompt",
                "message": f"Cannot execute because a node is missing the class_type property.: Node ID '#{node_id}'",
                "details": "",
                "extra_info": {},
            }, {}
        if node["class_type"] not in NODES:
            return {
                "type": "missing_node_type",
                "message": f"Node '{node['class_type']}' not found. The custom node may not be installed.",
                "details": f"Node ID '#{node_id}'",
                "extra_info": {"node_id": node_id, "class_type": node["class_type"]},
            }, {}
    outputs = [nid for nid, node in graph.items() if NODES[node["class_type"]][2]]
    if not outputs:
        return {
            "type": "prompt_no_outputs",
            "message": "Prompt has no outputs",
            "details": "",
            "extra_info": {},
        }, {}
    node_errors: dict = {}
    for node_id, node in graph.items():
        spec, _, _ = NODES[node["class_type"]]
        inputs = node.get("inputs") or {}
        errors = []
        for name, want in spec.items():
            if name not in inputs:
                errors.append(
                    _input_error("required_input_missing", "Required input is missing", name, None, name)
                )
                continue
            value = inputs[name]
            if isinstance(value, list) and not isinstance(want, list):
                if len(value) != 2 or str(value[0]) not in graph:
                    errors.append(
                        _input_error(
                            "bad_linked_input", "Bad linked input, must be a length-2 list", name, value
                        )
                    )
                    continue
                source = graph[str(value[0])]
                produced = NODES[source["class_type"]][1]
                slot = value[1]
                if not isinstance(slot, int) or not 0 <= slot < len(produced):
                    errors.append(_input_error("bad_linked_input", "Bad linked input slot", name, value))
                    continue
                expected = want if isinstance(want, str) else want[0]
                if produced[slot] != expected:
                    errors.append(
                        _input_error(
                            "return_type_mismatch",
                            "Return type mismatch between linked nodes",
                            name,
                            value,
                            f"{name}, received_type({produced[slot]}) mismatch input_type({expected})",
                        )
                    )
                continue
            if isinstance(want, list):
                if value not in want:
                    errors.append(
                        _input_error(
                            "value_not_in_list",
                            "Value not in list",
                            name,
                            value,
                            f"{name}: '{value}' not in {want}",
                        )
                    )
            elif isinstance(want, tuple):
                kind, low, high = want
                ok_type = isinstance(value, int) if kind == "INT" else isinstance(value, (int, float))
                if isinstance(value, bool) or not ok_type:
                    errors.append(
                        _input_error(
                            "invalid_input_type",
                            f"Failed to convert an input value to a {kind} value",
                            name,
                            value,
                        )
                    )
                elif value < low:
                    errors.append(
                        _input_error(
                            "value_smaller_than_min", f"Value {value} smaller than min of {low}", name, value
                        )
                    )
                elif value > high:
                    errors.append(
                        _input_error(
                            "value_bigger_than_max", f"Value {value} bigger than max of {high}", name, value
                        )
                    )
            elif want == "STRING" and not isinstance(value, str):
                errors.append(
                    _input_error(
                        "invalid_input_type",
                        "Failed to convert an input value to a STRING value",
                        name,
                        value,
                    )
                )
            elif want not in ("STRING",):
                errors.append(
                    _input_error("bad_linked_input", f"Input {name} must be linked to a {want}", name, value)
                )
        if errors:
            node_errors[node_id] = {
                "errors": errors,
                "dependent_outputs": outputs,
                "class_type": node["class_type"],
            }
    if node_errors:
        return {
            "type": "prompt_outputs_failed_validation",
            "message": "Prompt outputs failed validation",
            "details": "",
            "extra_info": {},
        }, node_errors
    return None, {}


class ComfyUIStandIn:
    """Start with ``with ComfyUIStandIn() as comfy: comfy.url ...``; stops itself on exit."""

    def __init__(self, *, seconds_per_step: float = 0.0, legacy: bool = False):
        self.seconds_per_step = seconds_per_step
        self.legacy = legacy
        self.fail_node: str | None = None
        self.response_delay = 0.0
        self.requests: list[tuple[str, str]] = []
        self.submitted: list[str] = []
        self.files: dict[tuple[str, str, str], bytes] = {}
        self.history: dict[str, dict] = {}
        self.pending: deque[tuple[int, str, dict, dict]] = deque()
        self.running: tuple[int, str, dict, dict] | None = None
        self._interrupt: str | None = None
        self._failures: list[int] = []
        self._counter = 0
        self._number = 0
        self._lock = threading.Condition()
        self._stop = False
        self._server: ThreadingHTTPServer | None = None
        self.url = ""
        self.websocket = True
        self.drop_websocket_after: int | None = None
        self.websocket_after_drop = True
        self.history_delay = 0.0
        self.before_request: Callable[[str, str], None] | None = None
        self.sockets: dict[str, _Socket] = {}
        self.ws_sent: list[tuple[str, str]] = []
        self._client_id: str | None = None
        self._progress_sent = 0

    # ------------------------------------------------------------ lifecycle

    def __enter__(self) -> ComfyUIStandIn:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        handler = _handler_for(self)
        for port in PORT_RANGE:
            try:
                self._server = ThreadingHTTPServer(("127.0.0.1", port), handler)
                break
            except OSError:
                continue
        else:
            raise RuntimeError("no free port for the ComfyUI stand-in")
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        threading.Thread(target=self._execute_loop, daemon=True).start()

    def stop(self) -> None:
        with self._lock:
            self._stop = True
            self._interrupt = "*"
            self._lock.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        for ws in list(self.sockets.values()):
            ws.close()

    def fail_next(self, status: int, times: int = 1) -> None:
        """Answer the next ``times`` requests with HTTP ``status`` (and no work done)."""
        with self._lock:
            self._failures.extend([status] * times)

    def wait_until_running(self, prompt_id: str, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self.running is not None and self.running[1] == prompt_id:
                    return
            time.sleep(0.01)
        raise AssertionError(f"{prompt_id} never ran")

    # ------------------------------------------------------------ HTTP

    def take_failure(self) -> int | None:
        with self._lock:
            return self._failures.pop(0) if self._failures else None

    def post_prompt(self, body: Any) -> tuple[int, dict]:
        if not isinstance(body, dict) or "prompt" not in body:
            return 400, {
                "error": {
                    "type": "no_prompt",
                    "message": "No prompt provided",
                    "details": "",
                    "extra_info": {},
                },
                "node_errors": {},
            }
        prompt_id = body.get("prompt_id") or str(uuid.uuid4())
        with self._lock:
            if not self.legacy:
                if not isinstance(prompt_id, str) or not _UUID_RE.match(prompt_id):
                    return 400, {
                        "error": {
                            "type": "invalid_prompt_id",
                            "message": "prompt_id must be a lowercase UUID",
                            "details": "",
                            "extra_info": {},
                        },
                        "node_errors": {},
                    }
                known = (
                    prompt_id in self.history
                    or any(p[1] == prompt_id for p in self.pending)
                    or (self.running is not None and self.running[1] == prompt_id)
                )
                if known:
                    return 409, {"error": "prompt_id already exists"}
        error, node_errors = validate(body["prompt"])
        if error is not None:
            return 400, {"error": error, "node_errors": node_errors}
        extra = dict(body.get("extra_data") or {})
        if body.get("client_id"):
            extra["client_id"] = body["client_id"]
        with self._lock:
            self._number += 1
            self.pending.append((self._number, prompt_id, body["prompt"], extra))
            self.submitted.append(prompt_id)
            self._lock.notify_all()
            return 200, {"prompt_id": prompt_id, "number": self._number, "node_errors": {}}

    def queue_state(self) -> dict:
        with self._lock:
            running = [] if self.running is None else [[*self.running, []]]
            return {"queue_running": running, "queue_pending": [[*p, []] for p in self.pending]}

    def queue_delete(self, ids: list[str]) -> None:
        with self._lock:
            self.pending = deque(p for p in self.pending if p[1] not in ids)

    def interrupt(self, prompt_id: str | None) -> None:
        with self._lock:
            if self.running is not None and (prompt_id is None or self.running[1] == prompt_id):
                self._interrupt = self.running[1]

    def cancel_job(self, prompt_id: str) -> dict:
        with self._lock:
            if any(p[1] == prompt_id for p in self.pending):
                self.pending = deque(p for p in self.pending if p[1] != prompt_id)
                return {"cancelled": True}
            if self.running is not None and self.running[1] == prompt_id:
                self._interrupt = prompt_id
                return {"cancelled": True}
        return {"cancelled": False}

    # ------------------------------------------------------------ websocket

    def ws_connect(self, sid: str, ws: _Socket) -> None:
        with self._lock:
            old = self.sockets.pop(sid, None)
            self.sockets[sid] = ws
        if old is not None:
            old.close()
        ws.send_json({"type": "status", "data": {"status": self._queue_info(), "sid": sid}})

    def ws_disconnect(self, sid: str, ws: _Socket) -> None:
        with self._lock:
            if self.sockets.get(sid) is ws:
                del self.sockets[sid]

    def _queue_info(self) -> dict:
        with self._lock:
            return {"exec_info": {"queue_remaining": len(self.pending) + (self.running is not None)}}

    def send(self, event: str, data: Any, sid: str | None) -> None:
        """ComfyUI's ``send_sync``: to the socket ``sid``, or to every socket when ``sid`` is None."""
        with self._lock:
            targets = list(self.sockets.items()) if sid is None else [(sid, self.sockets.get(sid))]
        for target_sid, ws in targets:
            if ws is None:
                continue
            self.ws_sent.append((target_sid, event))
            if event == "preview":
                ws.send_binary(data)
            else:
                ws.send_json({"type": event, "data": data})
        if event == "progress" and self.drop_websocket_after is not None:
            self._progress_sent += 1
            if self._progress_sent >= self.drop_websocket_after:
                self.drop_websocket_after = None  # one drop; a client may connect again
                if not self.websocket_after_drop:
                    self.websocket = False
                for _, ws in targets:
                    if ws is not None:
                        ws.close()

    def _message(self, event: str, data: dict) -> None:
        """``add_message`` of execution.py: only to the prompt's client (none without a client_id)."""
        if self._client_id is not None:
            self.send(event, data, self._client_id)

    # ------------------------------------------------------------ execution

    def _execute_loop(self) -> None:
        while True:
            with self._lock:
                while not self.pending and not self._stop:
                    self._lock.wait(0.5)
                if self._stop:
                    return
                self.running = self.pending.popleft()
                self._interrupt = None
            number, prompt_id, graph, extra = self.running
            self._client_id = extra.get("client_id")
            self.send("status", {"status": self._queue_info()}, None)
            started = int(time.time() * 1000)
            messages: list = [["execution_start", {"prompt_id": prompt_id, "timestamp": started}]]
            self._message("execution_start", messages[0][1])
            cached = {"nodes": [], "prompt_id": prompt_id, "timestamp": started}
            messages.append(["execution_cached", cached])
            self._message("execution_cached", cached)
            outputs: dict = {}
            status_str, completed = "success", True
            try:
                self._run(prompt_id, graph, outputs)
                messages.append(
                    ["execution_success", {"prompt_id": prompt_id, "timestamp": int(time.time() * 1000)}]
                )
            except Interrupted as exc:
                status_str, completed = "error", False
                messages.append(
                    [
                        "execution_interrupted",
                        {
                            "prompt_id": prompt_id,
                            "node_id": str(exc),
                            "executed": [],
                            "timestamp": int(time.time() * 1000),
                        },
                    ]
                )
            except NodeFailure as exc:
                node_id, node_type, text = exc.args
                status_str, completed = "error", False
                messages.append(
                    [
                        "execution_error",
                        {
                            "prompt_id": prompt_id,
                            "node_id": node_id,
                            "node_type": node_type,
                            "executed": [],
                            "exception_message": text,
                            "exception_type": "RuntimeError",
                            "traceback": ["Traceback (most recent call last):\n", f"RuntimeError: {text}\n"],
                            "current_inputs": {},
                            "current_outputs": {},
                            "timestamp": int(time.time() * 1000),
                        },
                    ]
                )
            self._message(messages[-1][0], messages[-1][1])
            if self.history_delay:
                time.sleep(self.history_delay)
            with self._lock:
                self.history[prompt_id] = {
                    "prompt": [number, prompt_id, graph, extra, []],
                    "outputs": outputs,
                    "status": {"status_str": status_str, "completed": completed, "messages": messages},
                    "meta": {},
                }
                self.running = None
            self.send("status", {"status": self._queue_info()}, None)
            if self._client_id is not None:
                self.send("executing", {"node": None, "prompt_id": prompt_id}, self._client_id)
            self._client_id = None

    def _check_interrupt(self, prompt_id: str, node_id: str) -> None:
        with self._lock:
            if self._interrupt in (prompt_id, "*"):
                raise Interrupted(node_id)

    def _run(self, prompt_id: str, graph: dict, outputs: dict) -> None:
        values: dict[str, Any] = {}

        def value(ref: Any) -> Any:
            if isinstance(ref, list) and len(ref) == 2 and str(ref[0]) in graph:
                return compute(str(ref[0]))[ref[1]]
            return ref

        def compute(node_id: str) -> Any:
            if node_id in values:
                return values[node_id]
            node = graph[node_id]
            kind = node["class_type"]
            inputs = {k: value(v) for k, v in (node.get("inputs") or {}).items()}
            self._check_interrupt(prompt_id, node_id)
            self._message("executing", {"node": node_id, "display_node": node_id, "prompt_id": prompt_id})
            if self.fail_node == kind:
                raise NodeFailure(node_id, kind, f"{kind} failed in the stand-in")
            values[node_id] = self._node(prompt_id, node_id, kind, inputs, outputs)
            if node_id in outputs:
                self._message(
                    "executed",
                    {
                        "node": node_id,
                        "display_node": node_id,
                        "output": outputs[node_id],
                        "prompt_id": prompt_id,
                    },
                )
            return values[node_id]

        for node_id, node in graph.items():
            if NODES[node["class_type"]][2]:
                compute(node_id)

    def _node(self, prompt_id: str, node_id: str, kind: str, inputs: dict, outputs: dict) -> Any:
        if kind == "CheckpointLoaderSimple":
            return ({"ckpt": inputs["ckpt_name"]}, {"clip": True}, {"vae": True})
        if kind == "LoraLoader":
            return (inputs["model"], inputs["clip"])
        if kind == "CLIPTextEncode":
            return ({"text": inputs["text"]},)
        if kind == "EmptyLatentImage":
            return (
                {
                    "width": inputs["width"],
                    "height": inputs["height"],
                    "batch": inputs["batch_size"],
                    "seed": 0,
                    "text": "",
                },
            )
        if kind == "KSampler":
            total = inputs["steps"]
            for step in range(1, total + 1):
                self._check_interrupt(prompt_id, node_id)
                if self.seconds_per_step:
                    time.sleep(self.seconds_per_step)
                # main.py's progress hook: to the running prompt's client (every socket if it has none)
                self.send(
                    "progress",
                    {"value": step, "max": total, "prompt_id": prompt_id, "node": node_id},
                    self._client_id,
                )
                self.send("preview", struct.pack(">II", 1, 2) + _PREVIEW_PNG, self._client_id)
            latent = dict(inputs["latent_image"])
            latent.update(seed=inputs["seed"], text=inputs["positive"]["text"])
            return (latent,)
        if kind == "VAEDecode":
            latent = inputs["samples"]
            return ([self._picture(latent, i) for i in range(latent["batch"])],)
        if kind == "EmptyImage":
            rgb = ((inputs["color"] >> 16) & 255, (inputs["color"] >> 8) & 255, inputs["color"] & 255)
            return (
                [
                    Image.new("RGB", (inputs["width"], inputs["height"]), rgb)
                    for _ in range(inputs["batch_size"])
                ],
            )
        if kind == "ImageInvert":
            from PIL import ImageOps

            return ([ImageOps.invert(im) for im in inputs["image"]],)
        if kind == "ImageScale":
            return (
                [
                    im.resize((inputs["width"] or im.width, inputs["height"] or im.height))
                    for im in inputs["image"]
                ],
            )
        if kind == "LoadImage":
            data = self.files.get((inputs["image"], "", "input"))
            if data is None:
                raise NodeFailure(node_id, kind, f"Invalid image file: {inputs['image']}")
            return ([Image.open(io.BytesIO(data)).convert("RGB")], None)
        if kind in ("SaveImage", "PreviewImage"):
            kind_dir = "output" if kind == "SaveImage" else "temp"
            prefix = inputs.get("filename_prefix", "ComfyUI")
            subfolder, _, base = prefix.rpartition("/")
            refs = []
            for image in inputs["images"]:
                with self._lock:
                    self._counter += 1
                    name = f"{base}_{self._counter:05}_.png"
                out = io.BytesIO()
                image.save(out, format="PNG")
                self.files[(name, subfolder, kind_dir)] = out.getvalue()
                refs.append({"filename": name, "subfolder": subfolder, "type": kind_dir})
            outputs[node_id] = {"images": refs}
            return ()
        if kind == "CreateVideo":
            return ({"frames": inputs["images"], "fps": inputs["fps"]},)
        if kind == "SaveVideo":
            prefix = inputs["filename_prefix"]
            subfolder, _, base = prefix.rpartition("/")
            with self._lock:
                self._counter += 1
                name = f"{base}_{self._counter:05}_.mp4"
            self.files[(name, subfolder, "output")] = _mp4(inputs["video"]["frames"], inputs["video"]["fps"])
            outputs[node_id] = {
                "images": [{"filename": name, "subfolder": subfolder, "type": "output"}],
                "animated": [True],
            }
            return ()
        raise NodeFailure(node_id, kind, "not implemented in the stand-in")

    @staticmethod
    def _picture(latent: dict, index: int) -> Image.Image:
        digest = hashlib.sha256(json.dumps([latent["text"], latent["seed"], index]).encode()).digest()
        image = Image.new("RGB", (latent["width"], latent["height"]), tuple(digest[:3]))
        ImageDraw.Draw(image).rectangle(
            [0, 0, latent["width"] // 2, latent["height"] // 2], fill=tuple(digest[3:6])
        )
        return image


def _mp4(frames: list[Image.Image], fps: float) -> bytes:
    import av  # PyAV: the project's video encoder

    out = io.BytesIO()
    with av.open(out, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=int(fps))
        stream.width, stream.height = frames[0].width, frames[0].height
        stream.pix_fmt = "yuv420p"
        for frame in frames:
            for packet in stream.encode(av.VideoFrame.from_image(frame)):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return out.getvalue()


def _tiny_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (40, 90, 200)).save(out, format="PNG")
    return out.getvalue()


_PREVIEW_PNG = _tiny_png()


class _Socket:
    """The server end of one WebSocket connection: unmasked frames out, masked frames in (RFC 6455)."""

    def __init__(self, connection: socket.socket, rfile: Any):
        self.connection = connection
        self.rfile = rfile
        self._send_lock = threading.Lock()
        self.closed = False

    def _frame(self, opcode: int, payload: bytes) -> None:
        size = len(payload)
        if size < 126:
            header = struct.pack(">BB", 0x80 | opcode, size)
        elif size < 1 << 16:
            header = struct.pack(">BBH", 0x80 | opcode, 126, size)
        else:
            header = struct.pack(">BBQ", 0x80 | opcode, 127, size)
        with self._send_lock:
            if self.closed:
                return
            try:
                self.connection.sendall(header + payload)
            except OSError:
                self.closed = True

    def send_json(self, message: dict) -> None:
        self._frame(0x1, json.dumps(message).encode())

    def send_binary(self, data: bytes) -> None:
        self._frame(0x2, data)

    def close(self) -> None:
        self._frame(0x8, struct.pack(">H", 1000))
        with self._send_lock:
            self.closed = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def read_frames(self) -> None:
        """Read the client's frames until it closes (answers pings; text such as feature_flags is ignored)."""
        while not self.closed:
            head = self.rfile.read(2)
            if len(head) < 2:
                return
            opcode, length = head[0] & 0x0F, head[1] & 0x7F
            if length == 126:
                length = struct.unpack(">H", self.rfile.read(2))[0]
            elif length == 127:
                length = struct.unpack(">Q", self.rfile.read(8))[0]
            mask = self.rfile.read(4) if head[1] & 0x80 else b"\0\0\0\0"
            payload = bytes(b ^ mask[i % 4] for i, b in enumerate(self.rfile.read(length)))
            if opcode == 0x8:
                self.close()
                return
            if opcode == 0x9:
                self._frame(0xA, payload)


def _handler_for(standin: ComfyUIStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # quiet
            pass

        def _send(
            self, status: int, body: Any = None, *, raw: bytes | None = None, ctype: str = "application/json"
        ) -> None:
            data = raw if raw is not None else json.dumps(body if body is not None else {}).encode()
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _route(self) -> tuple[str, dict]:
            parts = urlsplit(self.path)
            path = parts.path
            if path.startswith("/api/") and not path.startswith("/api/jobs"):
                path = path[4:]
            return path, parse_qs(parts.query)

        def _body(self) -> Any:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                return json.loads(raw) if raw else {}
            except ValueError:
                return None

        def _upload(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            message = BytesParser(policy=email.policy.HTTP).parsebytes(
                f"Content-Type: {self.headers.get('Content-Type', '')}\r\n\r\n".encode() + raw
            )
            fields: dict[str, tuple[str | None, bytes]] = {}
            for part in message.iter_parts() if message.is_multipart() else []:
                name = part.get_param("name", header="content-disposition")
                fields[str(name)] = (part.get_filename(), part.get_payload(decode=True) or b"")
            if "image" not in fields or not fields["image"][0]:
                self._send(400, raw=b"", ctype="text/plain")
                return
            filename = str(fields["image"][0])
            subfolder = fields.get("subfolder", (None, b""))[1].decode()
            kind = fields.get("type", (None, b"input"))[1].decode() or "input"
            overwrite = fields.get("overwrite", (None, b""))[1].decode() in ("true", "1")
            content = fields["image"][1]
            base, dot, ext = filename.rpartition(".")
            n = 1
            while not overwrite and standin.files.get((filename, subfolder, kind), content) != content:
                filename = f"{base} ({n}){dot}{ext}"
                n += 1
            standin.files[(filename, subfolder, kind)] = content
            self._send(200, {"name": filename, "subfolder": subfolder, "type": kind})

        def _failed(self) -> bool:
            if standin.response_delay:
                time.sleep(standin.response_delay)
            status = standin.take_failure()
            if status is None:
                return False
            self._send(status, {"error": "stand-in failure"})
            return True

        def _websocket(self, query: dict) -> None:
            key = self.headers.get("Sec-WebSocket-Key", "")
            if not standin.websocket or self.headers.get("Upgrade", "").lower() != "websocket" or not key:
                self._send(404, raw=b"404: Not Found", ctype="text/plain")
                return
            accept = base64.b64encode(hashlib.sha1((key + _WS_GUID).encode()).digest()).decode()
            self.send_response(101, "Switching Protocols")
            self.send_header("Upgrade", "websocket")
            self.send_header("Connection", "Upgrade")
            self.send_header("Sec-WebSocket-Accept", accept)
            self.end_headers()
            self.wfile.flush()
            self.close_connection = True
            sid = (query.get("clientId") or [""])[0] or uuid.uuid4().hex
            ws = _Socket(self.connection, self.rfile)
            standin.ws_connect(sid, ws)
            try:
                ws.read_frames()
            except (OSError, struct.error):
                pass
            finally:
                standin.ws_disconnect(sid, ws)

        def do_GET(self) -> None:
            path, query = self._route()
            standin.requests.append(("GET", path))
            if standin.before_request is not None:
                standin.before_request("GET", path)
            if self._failed():
                return
            if path == "/ws":
                self._websocket(query)
            elif path.startswith("/history/"):
                prompt_id = path[len("/history/") :]
                with standin._lock:
                    entry = standin.history.get(prompt_id)
                self._send(200, {prompt_id: entry} if entry else {})
            elif path == "/queue":
                self._send(200, standin.queue_state())
            elif path == "/view":
                name = (query.get("filename") or [""])[0]
                if not name or ".." in name or "/" in name:
                    self._send(400, raw=b"", ctype="text/plain")
                    return
                key = (name, (query.get("subfolder") or [""])[0], (query.get("type") or ["output"])[0])
                data = standin.files.get(key)
                if data is None:
                    self._send(404, raw=b"", ctype="text/plain")
                    return
                ctype = "video/mp4" if name.endswith(".mp4") else "image/png"
                self._send(200, raw=data, ctype=ctype)
            elif path == "/system_stats":
                self._send(200, {"system": {"comfyui_version": "0.3.64-standin"}, "devices": []})
            else:
                self._send(404, raw=b"404: Not Found", ctype="text/plain")

        def do_POST(self) -> None:
            path, _ = self._route()
            standin.requests.append(("POST", path))
            if standin.before_request is not None:
                standin.before_request("POST", path)
            if self._failed():
                return
            if path == "/upload/image":
                self._upload()
                return
            body = self._body()
            if path == "/prompt":
                status, payload = standin.post_prompt(body)
                self._send(status, payload)
            elif path == "/queue":
                if isinstance(body, dict) and isinstance(body.get("delete"), list):
                    standin.queue_delete([str(i) for i in body["delete"]])
                self._send(200, raw=b"", ctype="text/plain")
            elif path == "/interrupt":
                prompt_id = body.get("prompt_id") if isinstance(body, dict) else None
                standin.interrupt(prompt_id)
                self._send(200, raw=b"", ctype="text/plain")
            elif path.startswith("/api/jobs/") and path.endswith("/cancel") and not standin.legacy:
                self._send(200, standin.cancel_job(path.split("/")[3]))
            else:
                self._send(404, raw=b"404: Not Found", ctype="text/plain")

    return Handler


def free_port_unused() -> int:
    """A port of the range nobody listens on (for a 'connection refused' server)."""
    for port in PORT_RANGE:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port")
