"""Progress over ComfyUI's /ws websocket, against the stand-in's real websocket, and the /history fallback."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from generation.backends import PermanentBackendError, RunCancelled
from generation.backends import comfyui as comfyui_module
from generation.backends.comfyui import ComfyUIServer, fill_template, load_template, run_graph
from tests.support.comfyui_standin import ComfyUIStandIn

VALUES = {
    "prompt": "a red fox",
    "negprompt": "blurry",
    "seed": 42,
    "steps": 20,
    "cfg": 7.0,
    "sampler": "dpmpp_2m",
    "scheduler": "karras",
    "width": 64,
    "height": 64,
    "prefix": "aimg/ws",
}


def graph(**overrides) -> dict:
    return fill_template(load_template("txt2img-basic"), {**VALUES, **overrides})


@pytest.fixture
def comfy():
    with ComfyUIStandIn(seconds_per_step=0.03) as server:
        yield server


class Reports:
    """A progress callback that records what it is given."""

    def __init__(self):
        self.values: list[float | None] = []

    def __call__(self, fraction: float | None) -> None:
        self.values.append(fraction)

    @property
    def fractions(self) -> list[float]:
        return [v for v in self.values if v is not None]


def test_progress_comes_from_the_websocket_while_the_prompt_runs(comfy):
    pid = str(uuid.uuid4())
    reports = Reports()
    outputs = run_graph(graph(), prompt_id=pid, servers=[comfy.url], poll_seconds=0.05, progress=reports)
    assert len(outputs) == 1 and outputs[0].mime_type == "image/png"
    mid_run = [f for f in reports.fractions if 0 < f < 1]
    assert len(mid_run) >= 3, reports.values  # 20 steps of 30 ms, read every 50 ms
    assert reports.fractions == sorted(reports.fractions) and reports.fractions[-1] <= 1
    assert all(round(f * 20) == f * 20 for f in reports.fractions)  # value / max of ComfyUI's messages
    # It listened as the prompt's client: the socket's clientId is the client_id it submitted with.
    client_id = comfy.history[pid]["prompt"][3]["client_id"]
    assert client_id == f"aimg-{pid}"
    sent = [event for sid, event in comfy.ws_sent if sid == client_id]
    assert sent.count("progress") == 20 and sent.count("preview") == 20  # binary frames were skipped
    assert sent[0] == "status" and sent[-1] == "executing"
    # With the socket, /history is read far less often than once per interval.
    history_reads = sum(1 for method, path in comfy.requests if path == f"/history/{pid}")
    assert history_reads < 10


def test_without_a_websocket_it_polls_the_history_and_still_completes(comfy):
    comfy.websocket = False  # /ws answers 404, as an old server or a proxy would
    pid = str(uuid.uuid4())
    reports = Reports()
    outputs = run_graph(
        graph(steps=5), prompt_id=pid, servers=[comfy.url], poll_seconds=0.02, progress=reports
    )
    assert len(outputs) == 1
    assert ("GET", "/ws") in comfy.requests
    assert reports.values and reports.fractions == []  # only "still working" reports
    assert comfy.history[pid]["status"]["status_str"] == "success"


def test_the_setting_turns_the_websocket_off(comfy, settings):
    settings.COMFYUI_WEBSOCKET = False
    run_graph(graph(steps=2), prompt_id=uuid.uuid4(), servers=[comfy.url], poll_seconds=0.02)
    assert ("GET", "/ws") not in comfy.requests


def test_a_websocket_that_drops_mid_run_is_reconnected_and_progress_goes_on(comfy):
    comfy.drop_websocket_after = 3
    pid = str(uuid.uuid4())
    reports = Reports()
    outputs = run_graph(graph(), prompt_id=pid, servers=[comfy.url], poll_seconds=0.05, progress=reports)
    assert len(outputs) == 1
    assert comfy.requests.count(("GET", "/ws")) == 2  # the first socket, then the same client again
    assert max(reports.fractions) > 3 / 20  # heard after the drop
    assert reports.fractions == sorted(reports.fractions)
    assert comfy.history[pid]["status"]["status_str"] == "success"


def test_a_websocket_that_cannot_reconnect_falls_back_to_polling(comfy):
    comfy.drop_websocket_after, comfy.websocket_after_drop = 3, False
    pid = str(uuid.uuid4())
    reports = Reports()
    started = time.monotonic()
    outputs = run_graph(graph(), prompt_id=pid, servers=[comfy.url], poll_seconds=0.05, progress=reports)
    assert len(outputs) == 1 and time.monotonic() - started < 20
    assert reports.fractions and max(reports.fractions) <= 3 / 20  # nothing heard after the drop
    assert comfy.requests.count(("GET", "/ws")) == 2  # one refused reconnection, then polling alone
    assert comfy.history[pid]["status"]["status_str"] == "success"


def test_progress_covers_every_sampler_of_the_graph_and_never_goes_back(comfy):
    two_passes = graph(steps=20)
    refiner = {**two_passes["3"], "inputs": {**two_passes["3"]["inputs"], "steps": 10}}
    refiner["inputs"]["latent_image"] = ["3", 0]
    two_passes["30"] = refiner
    two_passes["8"]["inputs"]["samples"] = ["30", 0]
    assert comfyui_module.stepped_nodes(two_passes) == ["3", "30"]
    reports = Reports()
    pid = str(uuid.uuid4())
    run_graph(two_passes, prompt_id=pid, servers=[comfy.url], poll_seconds=0.05, progress=reports)
    client_id = f"aimg-{pid}"
    assert [event for sid, event in comfy.ws_sent if sid == client_id].count("progress") == 30
    fractions = reports.fractions
    assert fractions == sorted(fractions), fractions  # the second sampler does not start again from 0
    assert [f for f in fractions if 0 < f < 0.5] and [f for f in fractions if 0.5 < f <= 1], fractions
    # each sampler is half of the whole: 20 steps of the first, then 10 of the second
    assert all(round(f * 40) == f * 40 or round((f - 0.5) * 20) == (f - 0.5) * 20 for f in fractions)


def test_an_execution_error_arrives_by_websocket_without_waiting_for_the_next_poll(comfy):
    comfy.fail_node = "VAEDecode"
    started = time.monotonic()
    with pytest.raises(PermanentBackendError, match=r"node 8 \(VAEDecode\): RuntimeError: VAEDecode failed"):
        # an interval of 60 s: only the websocket can end this in a few seconds
        run_graph(graph(steps=3), prompt_id=uuid.uuid4(), servers=[comfy.url], poll_seconds=60)
    assert time.monotonic() - started < 15


def test_the_websockets_execution_error_is_used_when_the_history_does_not_follow(comfy, monkeypatch):
    comfy.fail_node = "VAEDecode"
    comfy.history_delay = 30  # the history entry is written long after execution_error was sent
    monkeypatch.setattr(comfyui_module, "FINISH_GRACE_SECONDS", 0.3)
    started = time.monotonic()
    with pytest.raises(PermanentBackendError, match=r"The workflow failed at node 8 \(VAEDecode\)"):
        run_graph(graph(steps=3), prompt_id=uuid.uuid4(), servers=[comfy.url], poll_seconds=60)
    assert time.monotonic() - started < 15


def test_an_interrupt_from_elsewhere_ends_the_run_as_a_readable_failure(comfy):
    pid = str(uuid.uuid4())

    def interrupt():
        comfy.wait_until_running(pid)
        time.sleep(0.1)
        ComfyUIServer(comfy.url).request("POST", "/interrupt", json={"prompt_id": pid})

    threading.Thread(target=interrupt, daemon=True).start()
    started = time.monotonic()
    with pytest.raises(PermanentBackendError, match="interrupted on the ComfyUI server"):
        run_graph(graph(steps=200), prompt_id=pid, servers=[comfy.url], poll_seconds=60)
    assert time.monotonic() - started < 15
    assert ("aimg-" + pid, "execution_interrupted") in comfy.ws_sent


def test_cancelling_while_listening_interrupts_the_prompt(comfy):
    pid = str(uuid.uuid4())
    reports = Reports()

    def progress(fraction):
        reports(fraction)
        if fraction is not None and fraction >= 0.25:
            raise RunCancelled()  # what the engine's callback does once the job was cancelled

    with pytest.raises(RunCancelled):
        run_graph(graph(steps=200), prompt_id=pid, servers=[comfy.url], poll_seconds=0.05, progress=progress)
    deadline = time.monotonic() + 5
    while pid not in comfy.history and time.monotonic() < deadline:
        time.sleep(0.02)
    assert [m[0] for m in comfy.history[pid]["status"]["messages"]][-1] == "execution_interrupted"
    assert 0.25 <= max(reports.fractions) < 0.5


def test_a_redelivered_job_listens_to_its_running_prompt_instead_of_submitting_again(comfy):
    pid = str(uuid.uuid4())
    # the first attempt submitted it, then its worker died
    ComfyUIServer(comfy.url).submit(graph(steps=30), prompt_id=pid, client_id=f"aimg-{pid}")
    comfy.wait_until_running(pid)
    reports = Reports()
    outputs = run_graph(
        graph(steps=30), prompt_id=pid, servers=[comfy.url], poll_seconds=0.05, progress=reports
    )
    assert len(outputs) == 1 and comfy.submitted == [pid]
    assert [f for f in reports.fractions if 0 < f < 1]  # the same client id hears the prompt again
