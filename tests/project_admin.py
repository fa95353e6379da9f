"""URLs with a project's own admin site, as docs/howto/admin.md tells a project to build
it: its user admin (Django's ``UserAdmin`` for a username-based model, the app's for the supplied
one) with ``UserSessionsAdminMixin`` added, whatever ``AUTH_USER_MODEL`` is."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.urls import path

from django_authsession.admin import SessionAdmin, UserSessionsAdminMixin
from django_authsession.admin import UserAdmin as SuppliedUserAdmin
from django_authsession.models import Session, User
from tests.urls import urlpatterns as test_urlpatterns

site = admin.AdminSite(name="project_admin")


class UsernameUserAdmin(UserSessionsAdminMixin, DjangoUserAdmin):
    """A project's user admin: the two lines are the import and the mixin."""


# The supplied model's own admin is built the same way (see django_authsession.admin).
ProjectUserAdmin: Any = SuppliedUserAdmin if get_user_model() is User else UsernameUserAdmin

site.register(get_user_model(), ProjectUserAdmin)
site.register(Session, SessionAdmin)

urlpatterns = [path("project-admin/", site.urls), *test_urlpatterns]
