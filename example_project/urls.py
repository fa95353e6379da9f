from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.login_page, name="login"),
    path("signup", views.signup_page, name="signup"),
    path("profile", views.profile_page, name="profile"),
    path("admin/", admin.site.urls),
    path("api/auth/", include("django_authsession.urls")),
    path("api/auth/", include("django_authsession.openapi_urls")),  # GET /api/auth/openapi.json
]
