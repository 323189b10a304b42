"""Routes of the Billing Plan endpoints (see aimg_site.api.views.endpoint)."""

from aimg_site.api.views import endpoint

from . import api

urlpatterns = [endpoint(api.GetBillingPlansApi), endpoint(api.CreateBillingPlanApi)]
