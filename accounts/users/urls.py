"""Routes of the user endpoints."""

from aimg_site.api.views import endpoint

from . import api

urlpatterns = [
    endpoint(api.GetSelfUserApi),
    endpoint(api.SetSelfUserPropertiesApi),
    endpoint(api.SetSelfUserProfilePictureApi),
    endpoint(api.SetProfilePictureBannedApi),
    endpoint(api.SetUserAdditionalInformationApi),
    endpoint(api.GetUserApi),
    endpoint(api.DeleteUserApi),
    endpoint(api.SetUserAbuseLevelApi),
    endpoint(api.GetUserSessionApi),
]
