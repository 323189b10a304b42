from aimg_site.api.views import endpoint

from .api import GetReportQueuesApi

urlpatterns = [endpoint(GetReportQueuesApi)]
