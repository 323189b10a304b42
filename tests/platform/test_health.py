from tests.support.assertions import assert_envelope


def test_it_reports_every_component_reachable(api):
    response = assert_envelope(api.get("/health"))
    assert response.payload["status"] == "ok"
    for component in ("database", "cache", "broker"):
        assert response.payload[component]["ok"] is True, response.payload


def test_it_needs_no_session_header(api):
    assert_envelope(api.get("/health"))


def test_it_answers_503_when_the_broker_is_down(api, settings):
    from aimg_site.celery import app

    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = assert_envelope(api.get("/health"), 503)
    finally:
        app.conf.broker_url = original
    assert "broker" in response.error
