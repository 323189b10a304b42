"""The ComfyUI client against a ComfyUI stand-in on loopback (tests/support/comfyui_standin.py)."""

from __future__ import annotations

import io
import threading
import time
import uuid

import pytest
from PIL import Image

from generation.backends import PermanentBackendError, RunCancelled, TransientBackendError
from generation.backends.comfyui import (
    ComfyUIServer,
    configured_servers,
    fill_template,
    load_template,
    rejection_message,
    run_graph,
    upload_inputs,
)
from tests.support.comfyui_standin import ComfyUIStandIn, free_port_unused, validate

VALUES = {
    "prompt": "a red fox",
    "negprompt": "blurry",
    "seed": 42,
    "steps": 4,
    "cfg": 7.0,
    "sampler": "dpmpp_2m",
    "scheduler": "karras",
    "width": 96,
    "height": 64,
    "prefix": "aimg/test",
}


@pytest.fixture
def comfy():
    with ComfyUIStandIn() as server:
        yield server


def graph(**overrides) -> dict:
    return fill_template(load_template("txt2img-basic"), {**VALUES, **overrides})


def test_it_runs_a_catalog_template_and_returns_the_saved_png(comfy):
    pid = uuid.uuid4()
    outputs = run_graph(graph(), prompt_id=pid, servers=[comfy.url], poll_seconds=0.01)
    assert len(outputs) == 1
    out = outputs[0]
    assert out.mime_type == "image/png" and out.filename.endswith(".png")
    assert Image.open(io.BytesIO(out.content)).size == (96, 64)
    assert comfy.submitted == [str(pid)]
    assert comfy.history[str(pid)]["status"]["status_str"] == "success"


def test_every_catalog_template_passes_the_stand_ins_validation():
    for name in ("txt2img-basic", "txt2img-sdxl", "txt2vid-basic"):
        error, node_errors = validate(fill_template(load_template(name), {**VALUES, "frames": 4, "fps": 8}))
        assert error is None and node_errors == {}, (name, error, node_errors)


def test_outputs_come_in_node_order_and_previews_only_without_saved_files(comfy):
    g = graph()
    g["10"] = {"class_type": "SaveImage", "inputs": {"images": ["8", 0], "filename_prefix": "second"}}
    g["2"] = {"class_type": "PreviewImage", "inputs": {"images": ["8", 0]}}
    g["9"]["inputs"]["filename_prefix"] = "first"
    outputs = run_graph(g, prompt_id=uuid.uuid4(), servers=[comfy.url], poll_seconds=0.01)
    assert [o.filename.split("_")[0] for o in outputs] == ["first", "second"]
    only_preview = graph()
    only_preview["9"] = {"class_type": "PreviewImage", "inputs": {"images": ["8", 0]}}
    assert len(run_graph(only_preview, prompt_id=uuid.uuid4(), servers=[comfy.url], poll_seconds=0.01)) == 1


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda g: g["3"]["inputs"].pop("steps"), ["node 3 (KSampler)", "steps"]),
        (lambda g: g["3"]["inputs"].update(sampler_name="Euler a"), ["sampler_name", "not in"]),
        (lambda g: g["5"]["inputs"].update(width=8), ["width", "smaller than min"]),
        (lambda g: g["8"]["inputs"].update(vae=["99", 0]), ["node 8", "vae"]),
        (lambda g: g["8"]["inputs"].update(vae=["4", 0]), ["vae", "mismatch"]),
        (lambda g: g["4"].update(class_type="NoSuchNode"), ["NoSuchNode", "not found"]),
        (lambda g: g.pop("9"), ["no outputs"]),
    ],
)
def test_a_refused_graph_is_a_permanent_error_with_a_readable_message(comfy, change, words):
    g = graph()
    change(g)
    with pytest.raises(PermanentBackendError) as caught:
        run_graph(g, prompt_id=uuid.uuid4(), servers=[comfy.url], poll_seconds=0.01)
    message = str(caught.value)
    assert message.startswith("ComfyUI refused the workflow")
    for word in words:
        assert word in message, message
    assert comfy.submitted == []


def test_the_rejection_message_reads_comfyuis_own_400_body():
    body = {
        "error": {"type": "prompt_outputs_failed_validation", "message": "Prompt outputs failed validation"},
        "node_errors": {
            "3": {
                "errors": [
                    {
                        "type": "value_bigger_than_max",
                        "message": "Value bigger than max",
                        "details": "steps: 20000 > 10000",
                        "extra_info": {"input_name": "steps"},
                    }
                ],
                "class_type": "KSampler",
            }
        },
    }
    assert rejection_message(body) == (
        "ComfyUI refused the workflow: Prompt outputs failed validation; "
        "node 3 (KSampler) input 'steps': Value bigger than max (steps: 20000 > 10000)"
    )


def test_an_execution_error_is_permanent_and_names_the_node(comfy):
    comfy.fail_node = "VAEDecode"
    with pytest.raises(PermanentBackendError) as caught:
        run_graph(graph(), prompt_id=uuid.uuid4(), servers=[comfy.url], poll_seconds=0.01)
    assert "node 8 (VAEDecode)" in str(caught.value) and "RuntimeError" in str(caught.value)


def test_a_refused_connection_and_5xx_answers_are_transient(comfy):
    dead = f"http://127.0.0.1:{free_port_unused()}"
    with pytest.raises(TransientBackendError):
        run_graph(graph(), prompt_id=uuid.uuid4(), servers=[dead], poll_seconds=0.01)
    comfy.fail_next(503, times=3)  # the /history and /queue looks, then POST /prompt
    with pytest.raises(TransientBackendError):
        run_graph(graph(), prompt_id=uuid.uuid4(), servers=[comfy.url], poll_seconds=0.01)
    assert comfy.submitted == []


def test_a_slow_server_times_out_as_a_transient_error(comfy, settings):
    comfy.response_delay = 0.5
    settings.COMFYUI_REQUEST_TIMEOUT = 0.1
    with pytest.raises(TransientBackendError, match="No ComfyUI server is reachable"):
        run_graph(graph(), prompt_id=uuid.uuid4(), servers=[comfy.url], poll_seconds=0.01)
    with pytest.raises(TransientBackendError, match="did not answer in time"):
        ComfyUIServer(comfy.url, timeout=0.1).queue()


def test_a_redelivered_job_finds_its_earlier_prompt_instead_of_running_it_twice(comfy):
    pid = uuid.uuid4()
    first = run_graph(graph(), prompt_id=pid, servers=[comfy.url], poll_seconds=0.01)
    again = run_graph(graph(), prompt_id=pid, servers=[comfy.url], poll_seconds=0.01)
    assert comfy.submitted == [str(pid)]
    assert [o.content for o in again] == [o.content for o in first]


def test_a_409_for_an_id_the_server_already_has_is_not_a_failure(comfy):
    pid = str(uuid.uuid4())
    server = ComfyUIServer(comfy.url)
    assert server.submit(graph(), prompt_id=pid, client_id="x") is True
    assert server.submit(graph(), prompt_id=pid, client_id="x") is False
    outputs = run_graph(graph(), prompt_id=pid, servers=[comfy.url], poll_seconds=0.01)
    assert len(outputs) == 1 and comfy.submitted == [pid]


def test_a_legacy_server_without_the_409_check_is_looked_at_before_submitting():
    with ComfyUIStandIn(legacy=True) as comfy:
        pid = uuid.uuid4()
        run_graph(graph(), prompt_id=pid, servers=[comfy.url], poll_seconds=0.01)
        run_graph(graph(), prompt_id=pid, servers=[comfy.url], poll_seconds=0.01)
        assert comfy.submitted == [str(pid)]


def test_the_prompt_id_is_sent_as_a_canonical_lowercase_uuid(comfy):
    pid = uuid.uuid4()
    run_graph(graph(), prompt_id=str(pid).upper(), servers=[comfy.url], poll_seconds=0.01)
    assert comfy.submitted == [str(pid)]


def _cancel_after(flag: threading.Event, comfy: ComfyUIStandIn, pid: str, *, running: bool) -> None:
    if running:
        comfy.wait_until_running(pid)
    else:
        time.sleep(0.1)
    flag.set()


@pytest.mark.parametrize("legacy", [False, True])
def test_cancelling_a_running_prompt_interrupts_it_on_the_server(legacy):
    with ComfyUIStandIn(seconds_per_step=0.05, legacy=legacy) as comfy:
        pid = str(uuid.uuid4())
        flag = threading.Event()
        threading.Thread(target=_cancel_after, args=(flag, comfy, pid), kwargs={"running": True}).start()
        with pytest.raises(RunCancelled):
            run_graph(
                graph(steps=200),
                prompt_id=pid,
                servers=[comfy.url],
                poll_seconds=0.01,
                is_cancelled=flag.is_set,
            )
        deadline = time.monotonic() + 5
        while pid not in comfy.history and time.monotonic() < deadline:
            time.sleep(0.01)
        messages = [m[0] for m in comfy.history[pid]["status"]["messages"]]
        assert "execution_interrupted" in messages


def test_cancelling_a_pending_prompt_removes_it_from_the_queue(comfy):
    comfy.seconds_per_step = 0.05
    blocker = str(uuid.uuid4())
    ComfyUIServer(comfy.url).submit(graph(steps=100), prompt_id=blocker, client_id="x")
    comfy.wait_until_running(blocker)
    pid = str(uuid.uuid4())
    flag = threading.Event()

    def progress(_):
        flag.set()  # cancelled at the first report, while it waits behind the blocker

    with pytest.raises(RunCancelled):
        run_graph(
            graph(),
            prompt_id=pid,
            servers=[comfy.url],
            poll_seconds=0.01,
            is_cancelled=flag.is_set,
            progress=progress,
        )
    running, pending = ComfyUIServer(comfy.url).queue()
    assert pid not in pending and running == [blocker]
    ComfyUIServer(comfy.url).cancel(blocker)


def test_a_progress_callback_that_raises_cancels_too(comfy):
    comfy.seconds_per_step = 0.05
    pid = str(uuid.uuid4())

    def progress(_):
        if comfy.running is not None:
            raise RunCancelled()

    with pytest.raises(RunCancelled):
        run_graph(graph(steps=200), prompt_id=pid, servers=[comfy.url], poll_seconds=0.01, progress=progress)


def test_a_new_prompt_goes_to_the_least_busy_reachable_server():
    with ComfyUIStandIn(seconds_per_step=0.05) as busy, ComfyUIStandIn() as free:
        blocker = str(uuid.uuid4())
        ComfyUIServer(busy.url).submit(graph(steps=200), prompt_id=blocker, client_id="x")
        dead = f"http://127.0.0.1:{free_port_unused()}"
        pid = uuid.uuid4()
        run_graph(graph(), prompt_id=pid, servers=[dead, busy.url, free.url], poll_seconds=0.01)
        assert free.submitted == [str(pid)] and busy.submitted == [blocker]
        ComfyUIServer(busy.url).cancel(blocker)


def test_a_redelivered_job_is_found_on_whichever_server_ran_it():
    with ComfyUIStandIn() as one, ComfyUIStandIn() as two:
        pid = uuid.uuid4()
        run_graph(graph(), prompt_id=pid, servers=[two.url], poll_seconds=0.01)
        run_graph(graph(), prompt_id=pid, servers=[one.url, two.url], poll_seconds=0.01)
        assert one.submitted == [] and two.submitted == [str(pid)]


def test_a_prompt_that_does_not_finish_in_time_is_cancelled_and_fails(comfy):
    comfy.seconds_per_step = 0.05
    pid = str(uuid.uuid4())
    with pytest.raises(PermanentBackendError, match="did not finish within"):
        run_graph(graph(steps=500), prompt_id=pid, servers=[comfy.url], poll_seconds=0.01, timeout=0.3)
    deadline = time.monotonic() + 5
    while pid not in comfy.history and time.monotonic() < deadline:
        time.sleep(0.01)
    assert comfy.history[pid]["status"]["completed"] is False


def test_comfyui_url_may_list_several_servers(settings):
    settings.COMFYUI_URL = "http://10.0.0.1:8188/, http://10.0.0.2:8188"
    assert configured_servers() == ["http://10.0.0.1:8188", "http://10.0.0.2:8188"]
    settings.COMFYUI_URL = ""
    with pytest.raises(PermanentBackendError, match="COMFYUI_URL"):
        run_graph(graph(), prompt_id=uuid.uuid4())


def test_an_input_image_is_uploaded_to_every_server_and_loadimage_reads_it():
    source = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 200, 30)).save(source, format="PNG")
    with ComfyUIStandIn() as one, ComfyUIStandIn() as two:
        names = upload_inputs({"start.png": source.getvalue()}, servers=[one.url, two.url])
        g = {
            "1": {"class_type": "LoadImage", "inputs": {"image": names["start.png"]}},
            "2": {"class_type": "ImageInvert", "inputs": {"image": ["1", 0]}},
            "3": {"class_type": "SaveImage", "inputs": {"images": ["2", 0], "filename_prefix": "inv"}},
        }
        for server in (one, two):
            out = run_graph(g, prompt_id=uuid.uuid4(), servers=[server.url], poll_seconds=0.01)
            image = Image.open(io.BytesIO(out[0].content))
            assert image.size == (40, 30) and image.getpixel((0, 0)) == (245, 55, 225)


def test_a_409_from_a_submission_racing_another_worker_is_followed_not_failed(comfy):
    """Another worker submits the same id between this one's look-up and its POST /prompt: 409, then follow it."""
    pid = str(uuid.uuid4())
    raced: list[int] = []

    def other_worker_first(method, path):
        if (method, path) == ("POST", "/prompt") and not raced:
            raced.append(comfy.post_prompt({"prompt": graph(), "prompt_id": pid, "client_id": "other"})[0])

    comfy.before_request = other_worker_first
    outputs = run_graph(graph(), prompt_id=pid, servers=[comfy.url], poll_seconds=0.01)
    assert raced == [200] and comfy.submitted == [pid]  # this worker's own POST /prompt got the 409
    assert len(outputs) == 1 and comfy.history[pid]["status"]["status_str"] == "success"


def test_a_server_that_could_not_be_checked_for_the_prompt_is_not_submitted_to():
    """After a redelivery, a server whose /history or /queue failed may hold the prompt: retry later instead."""
    with ComfyUIStandIn(legacy=True) as comfy:  # 0.3.64: no 409, a second submit would run twice
        pid = str(uuid.uuid4())
        run_graph(graph(), prompt_id=pid, servers=[comfy.url], poll_seconds=0.01)
        comfy.fail_next(503, times=1)  # the look-up's GET /history fails
        with pytest.raises(TransientBackendError, match="No ComfyUI server is reachable"):
            run_graph(graph(), prompt_id=pid, servers=[comfy.url], poll_seconds=0.01)
        assert comfy.submitted == [pid]
        again = run_graph(graph(), prompt_id=pid, servers=[comfy.url], poll_seconds=0.01)
        assert len(again) == 1 and comfy.submitted == [pid]


def test_a_cancel_the_server_cannot_hear_still_ends_as_cancelled(comfy):
    """RunCancelled wins over the server's 5xx while cancelling: a cancelled job must not become a retry."""
    comfy.seconds_per_step = 0.05
    pid = str(uuid.uuid4())

    def progress(_):
        if comfy.running is not None:
            comfy.fail_next(503, times=20)  # the server breaks down as the job is cancelled
            raise RunCancelled()

    with pytest.raises(RunCancelled):
        run_graph(graph(steps=200), prompt_id=pid, servers=[comfy.url], poll_seconds=0.01, progress=progress)


def test_view_downloads_each_output_with_its_subfolder_and_type(comfy):
    g = graph(prefix="aimg/sub/job")
    outputs = run_graph(g, prompt_id=uuid.uuid4(), servers=[comfy.url], poll_seconds=0.01)
    views = [path for method, path in comfy.requests if path == "/view"]
    assert len(views) == 1 and outputs[0].filename.startswith("job_")
    assert Image.open(io.BytesIO(outputs[0].content)).format == "PNG"
    with pytest.raises(PermanentBackendError, match=r"could not deliver the output 'gone.png' \(404\)"):
        ComfyUIServer(comfy.url).view(filename="gone.png", subfolder="aimg/sub", kind="output")
