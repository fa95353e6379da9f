"""Admin for sessions as a device list (read-only, revoke through ``sessions.py``), the pieces
a project adds to its own user admin, and the user admin of the supplied user model.

The session token, in any form, is never shown: not in lists, detail pages, searches, history
or object names. Every way the admin ends a session (the revoke actions, the delete view, the
"delete selected" action, deleting a user) goes through :mod:`django_authsession.sessions`, so
revocation marks are written and copies held in cookie caches stop working too.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.db import models
from django.db.models import Count, Q, QuerySet
from django.db.models.constants import LOOKUP_SEP
from django.db.models.functions import Now
from django.forms import Field as FormField
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince, timeuntil
from django.utils.timezone import localtime
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from . import sessions
from .conf import app_settings
from .devices import describe_location, describe_user_agent
from .models import Session, User
from .receivers import REQUEST_ATTRIBUTE
from .revocation import MarkStoreUnavailable

if TYPE_CHECKING:
    _SessionAdminBase = admin.ModelAdmin[Session]
    _SessionInlineBase = admin.TabularInline[Session, Any]
    _UserCreationFormBase = AdminUserCreationForm[User]
    _UserChangeFormBase = DjangoUserChangeForm[User]
    _UserAdminBase = DjangoUserAdmin[User]
    _MixinBase = admin.ModelAdmin[Any]
else:  # these classes are generic for the type checker only
    _SessionAdminBase = admin.ModelAdmin
    _SessionInlineBase = admin.TabularInline
    _UserCreationFormBase = AdminUserCreationForm
    _UserChangeFormBase = DjangoUserChangeForm
    _UserAdminBase = DjangoUserAdmin
    _MixinBase = object

# Never shown, searched or filtered on.
HIDDEN_SESSION_FIELDS = frozenset({"token", "password_digest"})

# What the admin may show of a session; ``token`` is deliberately absent.
SESSION_FIELDS = (
    "user",
    "device",
    "ip_address",
    "user_agent",
    "place",
    "created_at",
    "updated_at",
    "last_active_at",
    "expires_at",
    "status",
    "impersonated_by",
)


def _when(value: datetime) -> str:
    """A compact local date and time ("2026-03-07 14:22")."""
    return date_format(localtime(value), "Y-m-d H:i")


def _relative(value: datetime) -> str:
    """ "3 days ago" / "in 6 days" (the exact time in the tooltip), so a device list of seven
    columns fits a 1280 px window beside the admin's sidebar and filters."""
    now = timezone.now()
    if abs(now - value) < timedelta(minutes=1):
        text = gettext("just now")
    elif value <= now:
        text = gettext("%(time)s ago") % {"time": timesince(value, now, depth=1)}
    else:
        text = gettext("in %(time)s") % {"time": timeuntil(value, now, depth=1)}
    return format_html(
        '<time datetime="{}" title="{}">{}</time>', value.isoformat(), _when(value), text
    )


def _user_label(user: Any) -> str:
    """The user's email address, or what the model prints when it has none."""
    return str(getattr(user, user.get_email_field_name(), "") or user)


def _user_lookups() -> list[str]:
    """The user's email field (and its login name, when that is another field) for searches:
    works for any ``AUTH_USER_MODEL``."""
    user_model = get_user_model()
    names = [user_model.get_email_field_name(), user_model.USERNAME_FIELD]
    fields = {f.name for f in user_model._meta.get_fields()}
    return list(dict.fromkeys(name for name in names if name in fields))


class SessionColumns:
    """Columns shared by the session list, its detail page and the user's sessions inline."""

    @admin.display(description=_("device"), ordering="user_agent")
    def device(self, obj: Session) -> str:
        return describe_user_agent(obj.user_agent)

    @admin.display(description=_("IP address"), ordering="ip_address")
    def ip(self, obj: Session) -> str:
        """IPv6 addresses may wrap after a colon; IPv4 addresses never wrap."""
        return format_html_join(
            mark_safe(":<wbr>"), "{}", ((part,) for part in obj.ip_address.split(":"))
        )

    @admin.display(description=_("created"), ordering="created_at")
    def created(self, obj: Session) -> str:
        return _relative(obj.created_at)

    @admin.display(description=_("last active"), ordering="last_active_at")
    def last_active(self, obj: Session) -> str:
        """The last request, to within ``AUTHSESSION_ACTIVITY_INTERVAL`` when activity is
        tracked; else when the session was created or last extended."""
        return _relative(obj.last_active)

    @admin.display(description=_("place"))
    def place(self, obj: Session) -> str:
        return describe_location(obj.location) or "—"

    @admin.display(description=_("expires"), ordering="expires_at")
    def expires(self, obj: Session) -> str:
        return _relative(obj.expires_at)

    @admin.display(description=_("status"))
    def status(self, obj: Session) -> str:
        return gettext("Expired") if obj.is_expired(timezone.now()) else gettext("Active")


class SessionStatusFilter(admin.SimpleListFilter):
    """Active (not yet expired) or expired sessions. (Revoked sessions are deleted.)"""

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
    """Read-only device list; ending a session always writes a revocation mark."""

    list_display = (
        "user_email",
        "device",
        "ip",
        "created",
        "last_active",
        "expires",
        "status",
    )
    list_filter = (SessionStatusFilter, "created_at", "expires_at")
    list_select_related = ("user",)
    list_per_page = 100
    show_full_result_count = False  # one COUNT(*) fewer on a table of millions
    ordering = ("-created_at",)
    fields = SESSION_FIELDS
    readonly_fields = SESSION_FIELDS
    exclude = ("token",)
    actions = ("revoke_selected",)

    class Media:
        css = {"all": ("django_authsession/admin.css",)}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Session]:
        """The user joined on every page: the title names the user (``Session.__str__``)."""
        return super().get_queryset(request).select_related("user")

    def get_search_fields(self, request: HttpRequest) -> list[str]:
        return [f"user__{name}" for name in _user_lookups()] + ["ip_address"]

    @admin.display(description=_("user"), ordering=f"user__{_user_lookups()[0]}")
    def user_email(self, obj: Session) -> str:
        """The whole address, which may wrap after its "@" (never cut: it names the user)."""
        local, at, domain = _user_label(obj.user).rpartition("@")
        if not at:
            return domain
        return format_html("{}@<wbr>{}", local, domain)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Session | None = None) -> bool:
        return False

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        """No filtering through the token or the password digest, in any form: a filter such
        as ``?token__startswith=57cc`` would answer questions about the stored value."""
        if any(part in HIDDEN_SESSION_FIELDS for part in lookup.split(LOOKUP_SEP)):
            return False
        return super().lookup_allowed(lookup, value, request)  # type: ignore[arg-type]

    @admin.action(description=_("Revoke selected sessions"), permissions=["delete"])
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet[Session]) -> None:
        try:
            count = sessions.revoke_sessions(queryset, reason="admin", request=request)
        except MarkStoreUnavailable:
            _mark_store_unavailable(self, request)
            return
        self.message_user(
            request,
            ngettext("%(count)d session was revoked.", "%(count)d sessions were revoked.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    def delete_model(self, request: HttpRequest, obj: Session) -> None:
        """The delete view revokes, so cookie caches of the session stop working too."""
        sessions.revoke_sessions([obj], reason="admin", request=request)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Session]) -> None:
        """ "Delete selected" revokes as well."""
        sessions.revoke_sessions(queryset, reason="admin", request=request)


def _mark_store_unavailable(modeladmin: admin.ModelAdmin[Any], request: HttpRequest) -> None:
    """Not "revoked": copies of these sessions in cookie caches may still be honoured."""
    modeladmin.message_user(
        request,
        gettext(
            "The revocation store (AUTHSESSION_REVOCATION_CACHE) is unavailable: sessions "
            "deleted may still be used from cookie caches for up to %(seconds)d seconds. "
            "Run the action again once the store is back."
        )
        % {"seconds": app_settings.COOKIE_CACHE_MAX_AGE},
        messages.ERROR,
    )


class SessionInline(SessionColumns, _SessionInlineBase):
    """A user's sessions as a device list, read-only and without the token. Add it to any
    ``UserAdmin`` (``inlines = [SessionInline]``); revoke with :func:`revoke_all_sessions`."""

    model = Session
    fk_name = "user"
    fields = ("device", "ip", "place", "created", "last_active", "expires", "status")
    readonly_fields = fields
    ordering = ("-created_at",)
    extra = 0
    max_num = 0
    can_delete = False  # a formset delete would bypass revocation marks
    show_change_link = True
    verbose_name_plural = _("sessions")

    class Media:
        css = {"all": ("django_authsession/admin.css",)}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Session]:
        """The user joined, for each row's title (``Session.__str__``)."""
        return super().get_queryset(request).select_related("user")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.action(description=_("Revoke all sessions"), permissions=["change"])
def revoke_all_sessions(
    modeladmin: admin.ModelAdmin[Any], request: HttpRequest, queryset: QuerySet[Any]
) -> None:
    """An action for any user admin (``actions = [revoke_all_sessions]``): ends every session
    of the selected users, in every browser (revocation marks included)."""
    users = list(queryset.values_list("pk", flat=True))
    try:
        count = sum(
            sessions.revoke_user_sessions(pk, reason="admin", request=request) for pk in users
        )
    except MarkStoreUnavailable:
        _mark_store_unavailable(modeladmin, request)
        return
    modeladmin.message_user(
        request,
        ngettext(
            "%(count)d session of %(users)d user(s) was revoked.",
            "%(count)d sessions of %(users)d user(s) were revoked.",
            count,
        )
        % {"count": count, "users": len(users)},
        messages.SUCCESS,
    )


class UserSessionsAdminMixin(_MixinBase):
    """Sessions in a project's own user admin, for any ``AUTH_USER_MODEL``::

        from django_authsession.admin import UserSessionsAdminMixin

        class MyUserAdmin(UserSessionsAdminMixin, UserAdmin): ...

    adds :class:`SessionInline` to the change page, the :func:`revoke_all_sessions` action and
    a "sessions" column (active sessions, counted in the list's one query); with
    ``django_authsession.admin_api`` installed, also the "Ban" and "Impersonate" actions."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        wanted: list[Any] = [revoke_all_sessions]
        if apps.is_installed("django_authsession.admin_api"):
            from .admin_api.admin import ban_users, impersonate_user

            wanted += [ban_users, impersonate_user]
        for action in wanted:
            if action not in (self.actions or ()):
                self.actions = (*(self.actions or ()), action)

    def has_ban_permission(self, request: HttpRequest) -> bool:
        """The "Ban" action: staff with the change permission of the user model."""
        from .admin_api import service

        return bool(request.user.is_staff and request.user.has_perm(service.ban_permission()))

    def has_impersonate_permission(self, request: HttpRequest) -> bool:
        """The "Impersonate" action: staff with ``authsession_admin_api.impersonate``."""
        from .admin_api import service

        return bool(request.user.is_staff and request.user.has_perm(service.IMPERSONATE_PERMISSION))

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """Sessions this save ends (deactivation, a new password) are recorded as ended by
        this request's administrator."""
        setattr(obj, REQUEST_ATTRIBUTE, request)
        super().save_model(request, obj, form, change)

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[type[Any]]:
        """The sessions inline on the change page (not on the add form)."""
        inlines = list(super().get_inlines(request, obj))
        if obj is not None and SessionInline not in inlines:
            inlines.append(SessionInline)
        return inlines

    def get_list_display(self, request: HttpRequest) -> list[Any]:
        list_display: list[Any] = list(super().get_list_display(request))
        if "session_count" not in list_display:
            list_display.append("session_count")
        return list_display

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset: QuerySet[Any] = super().get_queryset(request)
        annotated: QuerySet[Any] = queryset.annotate(
            active_session_count=Count(
                "auth_sessions", filter=Q(auth_sessions__expires_at__gt=Now())
            )
        )
        return annotated

    @admin.display(description=_("sessions"), ordering="active_session_count")
    def session_count(self, obj: Any) -> int:
        return int(getattr(obj, "active_session_count", 0))


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


class UserAdmin(UserSessionsAdminMixin, _UserAdminBase):
    """Django's user admin for the supplied model: the email address as login name, the
    user's sessions inline, their count in the list and a "Revoke all sessions" action."""

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
    list_display = ("email", "name", "is_active", "is_staff")  # + "sessions": fits 1280 px
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")
    search_fields = ("email", "name")
    ordering = ("email",)


if get_user_model() is User:
    admin.site.register(User, UserAdmin)
