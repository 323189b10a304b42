from aimg_site.api.views import endpoint

from .api import CloseReportsApi, DownloadReportsForEpochApi, GetReportsApi, ReportItemsApi

urlpatterns = [
    endpoint(ReportItemsApi),
    endpoint(GetReportsApi),
    endpoint(CloseReportsApi),
    endpoint(DownloadReportsForEpochApi),
]
