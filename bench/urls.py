"""The benchmark's URLconf: the auth endpoints where a project mounts them, and the baselines."""

from django.urls import include, path

from bench import views

urlpatterns = [
    path("api/auth/", include("django_authsession.urls")),
    path("bench/ok", views.OkView.as_view(), name="bench-ok"),
    path("bench/peer-login", views.PeerLoginView.as_view(), name="bench-peer-login"),
    path("bench/peer-session", views.PeerSessionView.as_view(), name="bench-peer-session"),
]
