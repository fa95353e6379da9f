from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from tests import views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/auth/", include("django_authsession.urls")),
    path("api/auth/", include("django_authsession.openapi_urls")),
    path("api/me/", views.MeView.as_view(), name="me"),
    path("api/ping/", views.PingView.as_view(), name="ping"),
    path("api/fresh/", views.FreshView.as_view(), name="fresh"),
    path("plain/fresh/", views.fresh_plain_view),
    path("plain/async-fresh/", views.fresh_async_view),
    path("api/unavailable/", views.UnavailableView.as_view(), name="unavailable"),
    path("plain/login-required/", views.login_required_view),
    path("plain/async-auser/", views.async_auser_view),
    path("plain/async-user/", views.async_user_view),
    path("plain/logout/", views.django_logout_view),
    path("plain/alogout/", views.django_alogout_view),
    path("plain/project-login/", views.project_login_view),
    path("plain/project-logout/", views.project_logout_view),
    path("plain/django-login/", views.django_login_view),
    path("plain/django-alogin/", views.django_alogin_view),
    path("plain/django-login-fails/", views.django_login_then_fail_view),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="admin/login.html", next_page="/done/"),
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(next_page="/done/")),
]
