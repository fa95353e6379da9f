from django.urls import path

from . import views

app_name = "authsession"

urlpatterns = [
    path("session", views.SessionView.as_view(), name="session"),
    path("get-session", views.GetSessionView.as_view(), name="get-session"),
    path("sign-out", views.SignOutView.as_view(), name="sign-out"),
    path("sign-in/email", views.SignInEmailView.as_view(), name="sign-in-email"),
    path("sign-up/email", views.SignUpEmailView.as_view(), name="sign-up-email"),
    path("list-sessions", views.ListSessionsView.as_view(), name="list-sessions"),
    path("revoke-session", views.RevokeSessionView.as_view(), name="revoke-session"),
    path(
        "revoke-other-sessions",
        views.RevokeOtherSessionsView.as_view(),
        name="revoke-other-sessions",
    ),
    path("revoke-sessions", views.RevokeSessionsView.as_view(), name="revoke-sessions"),
    path("change-password", views.ChangePasswordView.as_view(), name="change-password"),
]
