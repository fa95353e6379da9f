"""Every endpoint, at the path its name in ``endpoints`` gives, relative to the mount point."""

from django.apps import apps
from django.urls import path

from . import views

app_name = "authsession"

_VIEWS = [
    views.SessionView,
    views.GetSessionView,
    views.SignOutView,
    views.SignInEmailView,
    views.SignUpEmailView,
    views.ListSessionsView,
    views.RevokeSessionView,
    views.RevokeOtherSessionsView,
    views.RevokeSessionsView,
    views.ChangePasswordView,
    views.UpdateSessionView,
]

if apps.is_installed("django_authsession.activity"):
    from .activity.views import VIEWS as ACTIVITY_VIEWS

    _VIEWS += ACTIVITY_VIEWS

urlpatterns = [
    # "/sign-in/email" is mounted at "sign-in/email" and named "sign-in-email".
    path(view.endpoint[1:], view.as_view(), name=view.endpoint[1:].replace("/", "-"))
    for view in _VIEWS
]
