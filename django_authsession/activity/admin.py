"""Read-only admin of the security history (filtered by event, actor and time) and of the
known devices (deleting one is "Forget": its next sign-in is a new-device sign-in again)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from ..admin import _relative, _user_label, _user_lookups
from ..devices import describe_location
from .models import KnownDevice, SecurityEvent

if TYPE_CHECKING:
    _EventAdminBase = admin.ModelAdmin[SecurityEvent]
    _DeviceAdminBase = admin.ModelAdmin[KnownDevice]
else:
    _EventAdminBase = admin.ModelAdmin
    _DeviceAdminBase = admin.ModelAdmin


@admin.register(SecurityEvent)
class SecurityEventAdmin(_EventAdminBase):
    list_display = ("when", "user_email", "type", "actor", "device", "ip_address", "place")
    list_filter = ("type", "actor", "created_at")
    list_select_related = ("user",)
    list_per_page = 100
    show_full_result_count = False
    date_hierarchy = "created_at"
    fields = (
        "user",
        "type",
        "created_at",
        "actor",
        "actor_id",
        "session_id",
        "ip_address",
        "user_agent",
        "place",
        "details",
    )
    readonly_fields = fields

    def get_search_fields(self, request: HttpRequest) -> list[str]:
        return [f"user__{name}" for name in _user_lookups()] + ["ip_address"]

    @admin.display(description=_("time"), ordering="created_at")
    def when(self, obj: SecurityEvent) -> str:
        return _relative(obj.created_at)

    @admin.display(description=_("user"))
    def user_email(self, obj: SecurityEvent) -> str:
        return _user_label(obj.user)

    @admin.display(description=_("place"))
    def place(self, obj: SecurityEvent) -> str:
        return describe_location(obj.location) or "—"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the history is kept AUTHSESSION_EVENT_RETENTION days, by cleanup


@admin.register(KnownDevice)
class KnownDeviceAdmin(_DeviceAdminBase):
    list_display = ("user_email", "name", "place", "first_seen", "last_seen", "ip_address")
    list_select_related = ("user",)
    list_filter = ("last_seen_at",)
    fields = ("user", "name", "user_agent", "ip_address", "place", "first_seen_at", "last_seen_at")
    readonly_fields = fields

    def get_search_fields(self, request: HttpRequest) -> list[str]:
        return [f"user__{name}" for name in _user_lookups()] + ["ip_address"]

    @admin.display(description=_("user"))
    def user_email(self, obj: KnownDevice) -> str:
        return _user_label(obj.user)

    @admin.display(description=_("place"))
    def place(self, obj: KnownDevice) -> str:
        return describe_location(obj.location) or "—"

    @admin.display(description=_("first seen"), ordering="first_seen_at")
    def first_seen(self, obj: KnownDevice) -> str:
        return _relative(obj.first_seen_at)

    @admin.display(description=_("last seen"), ordering="last_seen_at")
    def last_seen(self, obj: KnownDevice) -> str:
        return _relative(obj.last_seen_at)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
