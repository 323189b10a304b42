"""Routes of the accounts endpoints (OAuth's are in ``accounts.oauth_urls``)."""

from aimg_site.api.views import endpoint

from . import api

urlpatterns = [
    endpoint(api.CreateUserApi),
    endpoint(api.AuthenticateUserApi),
    endpoint(api.SignOutUserApi),
    endpoint(api.RequestOTPApi),
    endpoint(api.GetSelfUserApi),
    endpoint(api.SetSelfUserPropertiesApi),
    endpoint(api.SetSelfUserProfilePictureApi),
    endpoint(api.SetProfilePictureBannedApi),
    endpoint(api.SetUserAdditionalInformationApi),
    endpoint(api.GetUserKVPApi),
    endpoint(api.SetUserKVPApi),
    endpoint(api.DeleteUserKVPApi),
    endpoint(api.GetUserApi),
    endpoint(api.GenerateStrongPasswordApi),
    endpoint(api.DeleteUserApi),
    endpoint(api.SetUserAbuseLevelApi),
    endpoint(api.GetUserSessionApi),
]
