from aimg_site.api.views import endpoint

from . import api

urlpatterns: list = [
    endpoint(api.UploadFileApi),
    endpoint(api.GetFileApi),
    endpoint(api.GetFileMetadataApi),
    endpoint(api.RemoveFileApi),
]
