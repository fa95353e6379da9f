"""Admin for sessions (read-only, revoke through ``sessions.py``) and for the supplied user model.

The session token, in any form, is never shown: not in lists, detail pages, searches, history
or object names. Every way the admin ends a session (the revoke actions, the delete view, the
"delete selected" action, deleting a user) goes through :mod:`django_authsession.sessions`, so
revocation marks are written and copies held in cookie caches stop working too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.db import models
from django.db.models import QuerySet
from django.forms import Field as FormField
from django.http import HttpRequest
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import sessions
from .models import Session, User

if TYPE_CHECKING:
    _SessionAdminBase = admin.ModelAdmin[Session]
    _SessionInlineBase = admin.TabularInline[Session, Any]
    _UserCreationFormBase = AdminUserCreationForm[User]
    _UserChangeFormBase = DjangoUserChangeForm[User]
    _UserAdminBase = DjangoUserAdmin[User]
else:  # these classes are generic for the type checker only
    _SessionAdminBase = admin.ModelAdmin
    _SessionInlineBase = admin.TabularInline
    _UserCreationFormBase = AdminUserCreationForm
    _UserChangeFormBase = DjangoUserChangeForm
    _UserAdminBase = DjangoUserAdmin

USER_AGENT_DISPLAY_LENGTH = 60

# What the admin may show of a session; ``token`` is deliberately absent.
SESSION_FIELDS = (
    "user",
    "ip_address",
    "user_agent",
    "created_at",
    "updated_at",
    "expires_at",
    "active",
)


def _is_active(session: Session) -> bool:
    return not session.is_expired(timezone.now())


def _short_user_agent(session: Session) -> str:
    return Truncator(session.user_agent).chars(USER_AGENT_DISPLAY_LENGTH)


class SessionColumns:
    """Columns shared by the session list and the user's sessions inline."""

    @admin.display(description=_("user agent"))
    def short_user_agent(self, obj: Session) -> str:
        return _short_user_agent(obj)

    @admin.display(description=_("active"), boolean=True)
    def active(self, obj: Session) -> bool:
        return _is_active(obj)


class SessionStatusFilter(admin.SimpleListFilter):
    """Active (not yet expired) or expired sessions."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("active", _("Active")), ("expired", _("Expired"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        if self.value() == "active":
            return queryset.active()  # type: ignore[attr-defined,no-any-return]
        if self.value() == "expired":
            return queryset.expired()  # type: ignore[attr-defined,no-any-return]
        return queryset


@admin.register(Session)
class SessionAdmin(SessionColumns, _SessionAdminBase):
    """Read-only view of sessions; ending one always writes a revocation mark."""

    list_display = (
        "user_email",
        "ip_address",
        "short_user_agent",
        "created_at",
        "updated_at",
        "expires_at",
        "active",
    )
    list_filter = (SessionStatusFilter, "expires_at", "created_at")
    search_fields = ("user__email", "ip_address")
    list_select_related = ("user",)
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    fields = SESSION_FIELDS
    readonly_fields = SESSION_FIELDS
    exclude = ("token",)
    actions = ("revoke_selected",)

    @admin.display(description=_("user"), ordering="user__email")
    def user_email(self, obj: Session) -> str:
        return str(obj.user.email)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Session | None = None) -> bool:
        return False

    @admin.action(description=_("Revoke selected sessions"), permissions=["delete"])
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet[Session]) -> None:
        count = sessions.revoke_sessions(queryset, reason="admin")
        self.message_user(
            request,
            ngettext("%(count)d session was revoked.", "%(count)d sessions were revoked.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    def delete_model(self, request: HttpRequest, obj: Session) -> None:
        """The delete view revokes, so cookie caches of the session stop working too."""
        sessions.revoke_sessions([obj], reason="admin")

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Session]) -> None:
        """ "Delete selected" revokes as well."""
        sessions.revoke_sessions(queryset, reason="admin")


class SessionInline(SessionColumns, _SessionInlineBase):
    """The user's sessions, read-only and without the token; revoke with the user action."""

    model = Session
    fk_name = "user"
    fields = ("ip_address", "short_user_agent", "created_at", "expires_at", "active")
    readonly_fields = fields
    ordering = ("-created_at",)
    extra = 0
    max_num = 0
    can_delete = False  # a formset delete would bypass revocation marks
    show_change_link = True
    verbose_name_plural = _("sessions")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _user_formfield(db_field: models.Field[Any, Any], **kwargs: Any) -> FormField | None:
    """Avatar URLs typed without a scheme are https (and no Django 6.0 deprecation warning)."""
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


class UserCreationForm(_UserCreationFormBase):
    """Creates a user from an email address and a password (no username)."""

    class Meta:
        model = User
        fields = ("email", "name")
        formfield_callback = _user_formfield


class UserChangeForm(_UserChangeFormBase):
    """Django's change form, for the supplied user model."""

    class Meta:
        model = User
        fields = "__all__"
        formfield_callback = _user_formfield


class UserAdmin(_UserAdminBase):
    """Django's user admin with the email address as login name and the sessions inline."""

    form = UserChangeForm
    add_form = UserCreationForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            _("Personal info"),
            {"fields": ("name", "type", "profession", "avatar", "organization_id")},
        ),
        (
            _("Permissions"),
            {
                "fields": (
                    "is_active",
                    "is_email_verified",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                )
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "created_at", "updated_at")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "name", "usable_password", "password1", "password2"),
            },
        ),
    )
    readonly_fields = ("created_at", "updated_at")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("email", "name", "type", "is_active", "is_staff", "created_at")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")
    search_fields = ("email", "name")
    ordering = ("email",)
    inlines = (SessionInline,)
    actions = ("revoke_all_sessions",)

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[type[Any]]:
        """No sessions inline on the add form."""
        return list(self.inlines) if obj is not None else []

    @admin.action(description=_("Revoke all sessions"), permissions=["change"])
    def revoke_all_sessions(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        users = list(queryset.values_list("pk", flat=True))
        count = sum(sessions.revoke_user_sessions(pk, reason="admin") for pk in users)
        self.message_user(
            request,
            ngettext(
                "%(count)d session of %(users)d user(s) was revoked.",
                "%(count)d sessions of %(users)d user(s) were revoked.",
                count,
            )
            % {"count": count, "users": len(users)},
            messages.SUCCESS,
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        """Revoke first, so the user's cookie caches stop working with the cascade."""
        sessions.revoke_user_sessions(obj.pk, reason="admin")
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for pk in queryset.values_list("pk", flat=True):
            sessions.revoke_user_sessions(pk, reason="admin")
        super().delete_queryset(request, queryset)


if get_user_model() is User:
    admin.site.register(User, UserAdmin)
