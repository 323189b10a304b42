"""Assertions about answers of the API."""

from __future__ import annotations

from tests.support.client import ApiResponse


def assert_envelope(response: ApiResponse, status: int = 200) -> ApiResponse:
    """The response has ``status`` and is a well-formed envelope (error or success)."""
    assert response.status == status, response
    assert isinstance(response.body.get("hasError"), bool), response
    assert "payload" in response.body, response
    if status >= 400:
        assert response.body["hasError"] is True and response.body["payload"] is None, response
        assert isinstance(response.body.get("errorMessage"), str) and response.body["errorMessage"], response
    else:
        assert response.body["hasError"] is False, response
    return response
