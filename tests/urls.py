from django.contrib import admin
from django.urls import include, path

from tests import views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/auth/", include("django_authsession.urls")),
    path("api/auth/", include("django_authsession.openapi_urls")),
    path("api/me/", views.MeView.as_view(), name="me"),
    path("api/ping/", views.PingView.as_view(), name="ping"),
    path("api/unavailable/", views.UnavailableView.as_view(), name="unavailable"),
]
