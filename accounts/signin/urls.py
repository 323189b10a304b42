"""Routes of the sign-in endpoints."""

from aimg_site.api.views import endpoint

from . import api

urlpatterns = [
    endpoint(api.CreateUserApi),
    endpoint(api.AuthenticateUserApi),
    endpoint(api.SignOutUserApi),
    endpoint(api.RequestOTPApi),
    endpoint(api.GenerateStrongPasswordApi),
]
