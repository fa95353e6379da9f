"""The Django admin's "Ban" and "Impersonate" actions, for any user admin that uses
:class:`django_authsession.admin.UserSessionsAdminMixin` (the supplied ``UserAdmin`` does);
they go through :mod:`.service`, as the endpoints do. And the list of bans (lifting one is
deleting it; a ban is added by the action, which also ends the user's sessions)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from . import service
from .models import Ban

if TYPE_CHECKING:
    _BanAdminBase = admin.ModelAdmin[Ban]
else:
    _BanAdminBase = admin.ModelAdmin


def _label(user: Any) -> str:
    return str(getattr(user, user.get_email_field_name(), "") or user)


@admin.action(description=_("Ban selected users (ends their sessions)"), permissions=["ban"])
def ban_users(
    modeladmin: admin.ModelAdmin[Any], request: HttpRequest, queryset: QuerySet[Any]
) -> None:
    """Ban each selected user until lifted; yourself and users with more rights are skipped
    with a message saying why."""
    banned = 0
    for target in queryset:
        try:
            service.ban(request.user, target, request=request)
        except service.Refused as exc:
            modeladmin.message_user(request, f"{_label(target)}: {exc.message}", messages.ERROR)
        else:
            banned += 1
    if banned:
        modeladmin.message_user(
            request,
            ngettext("%(count)d user was banned.", "%(count)d users were banned.", banned)
            % {"count": banned},
            messages.SUCCESS,
        )


@admin.action(description=_("Impersonate the selected user"), permissions=["impersonate"])
def impersonate_user(
    modeladmin: admin.ModelAdmin[Any], request: HttpRequest, queryset: QuerySet[Any]
) -> HttpResponseBase | None:
    """Sign this browser in as the one selected user (an impersonation session) and go to
    ``LOGIN_REDIRECT_URL``; ``POST /api/auth/admin/stop-impersonating`` comes back."""
    targets = list(queryset[:2])
    if len(targets) != 1:
        modeladmin.message_user(
            request, gettext("Select exactly one user to impersonate."), messages.ERROR
        )
        return None
    try:
        started = service.impersonate(request, request.user, targets[0])
    except service.Refused as exc:
        modeladmin.message_user(request, exc.message, messages.ERROR)
        return None
    response = HttpResponseRedirect(resolve_url(settings.LOGIN_REDIRECT_URL))
    service.park_admin_session(response, started)
    return response


@admin.register(Ban)
class BanAdmin(_BanAdminBase):
    """Bans in force and expired; deleting one lifts it."""

    list_display = ("user", "reason", "expires_at", "banned_by", "created_at")
    list_select_related = ("user", "banned_by")
    readonly_fields = ("user", "banned_by", "created_at")
    fields = ("user", "reason", "expires_at", "banned_by", "created_at")
    ordering = ("-created_at",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the "Ban" action adds bans, ending the user's sessions as it does
