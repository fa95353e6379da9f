"""Every endpoint, at the path its name in ``endpoints`` gives, relative to the mount point.
The admin endpoints (``/admin/...``) are served when ``django_authsession.admin_api`` is
installed."""

from typing import Any

from django.apps import apps
from django.urls import path

from . import views

app_name = "authsession"

_VIEWS: list[Any] = [
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

if apps.is_installed("django_authsession.admin_api"):
    from .admin_api import views as admin_views

    _VIEWS += [
        admin_views.ListUserSessionsView,
        admin_views.RevokeUserSessionView,
        admin_views.RevokeUserSessionsView,
        admin_views.BanUserView,
        admin_views.UnbanUserView,
        admin_views.ImpersonateUserView,
        admin_views.StopImpersonatingView,
    ]

urlpatterns = [
    # "/sign-in/email" is mounted at "sign-in/email" and named "sign-in-email";
    # "/admin/ban-user" at "admin/ban-user", named "admin-ban-user".
    path(view.endpoint[1:], view.as_view(), name=view.endpoint[1:].replace("/", "-"))
    for view in _VIEWS
]
