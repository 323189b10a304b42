"""Routes of the folder endpoints (see aimg_site.api.views.endpoint)."""

from aimg_site.api.views import endpoint

from . import api

urlpatterns = [
    endpoint(api.GetSelfFoldersApi),
    endpoint(api.CreateSelfFolderApi),
    endpoint(api.SetSelfFolderPropertiesApi),
    endpoint(api.DeleteSelfFolderApi),
    endpoint(api.AddImagesToSelfFolderApi),
    endpoint(api.RemoveImagesFromSelfFolderApi),
    endpoint(api.AddThumbnailImagesForSelfFolderApi),
    endpoint(api.RemoveThumbnailImagesForSelfFolderApi),
    endpoint(api.SetThumbnailImagesForSelfFolderApi),
    endpoint(api.GetPublicFoldersApi),
    endpoint(api.CreatePublicFolderApi),
    endpoint(api.SetPublicFolderPropertiesApi),
    endpoint(api.DeletePublicFolderApi),
    endpoint(api.AddImagesToPublicFolderApi),
    endpoint(api.RemoveImagesFromPublicFolderApi),
    endpoint(api.AddThumbnailImagesForPublicFolderApi),
    endpoint(api.RemoveThumbnailImagesForPublicFolderApi),
    endpoint(api.SetThumbnailImagesForPublicFolderApi),
    endpoint(api.MoveItemsBetweenFoldersApi),
]
