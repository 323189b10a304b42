"""Routes of the Scenario endpoints."""

from aimg_site.api.views import endpoint

from . import api

urlpatterns = [
    endpoint(api.ConnectScenarioApi),
    endpoint(api.DisconnectScenarioApi),
    endpoint(api.GetScenarioConnectionApi),
    endpoint(api.SendToScenarioApi),
    endpoint(api.GetScenarioStatusApi),
]
