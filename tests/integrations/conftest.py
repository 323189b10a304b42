"""Fixtures of the integration tests: the Scenario stand-in, connected users, items with media."""

from __future__ import annotations

import pytest

from integrations.crypto import secret_encrypt
from integrations.models import ScenarioConnection

from .servers import ScenarioStandIn, running


@pytest.fixture(autouse=True)
def _outbound_for_tests(settings):
    """Plain http to loopback (the stand-ins) and quick retries; every other rule stays."""
    settings.AIMG_OUTBOUND_ALLOW_LOOPBACK_HTTP = True
    settings.AIMG_SCENARIO_RETRY_BASE_SECONDS = 0.01
    settings.AIMG_SCENARIO_POLL_INTERVAL_SECONDS = 0.01
    settings.AIMG_SCENARIO_POLL_SECONDS = 2
    settings.AIMG_SCENARIO_TASK_RETRIES = 3


@pytest.fixture
def scenario(settings):
    """A running Scenario stand-in that ``AIMG_SCENARIO_API_URL`` points at."""
    standin = ScenarioStandIn()
    settings.AIMG_SCENARIO_API_URL = standin.base_url
    with running(standin.server):
        yield standin


@pytest.fixture
def connect(scenario):
    """Store the stand-in's valid key and secret for a user, as connectScenario does."""

    def make(user) -> ScenarioConnection:
        return ScenarioConnection.objects.create(
            user=user,
            api_key_encrypted=secret_encrypt(scenario.api_key),
            api_secret_encrypted=secret_encrypt(scenario.api_secret),
        )

    return make
