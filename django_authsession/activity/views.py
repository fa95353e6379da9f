"""The user's own history and known devices: ``GET /security-events``, ``GET /known-devices``
and ``POST /forget-device``, mounted by ``django_authsession.urls`` when this app is
installed. Thin, as the core's views are."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from rest_framework import serializers as drf_serializers
from rest_framework.request import Request
from rest_framework.response import Response

from .. import endpoints
from ..device_cookie import read_device
from ..exceptions import AuthError
from ..views import AuthView, _no_store
from ..wire.shapes import iso_ms
from .conf import activity_settings
from .models import KnownDevice, SecurityEvent

__all__ = ["VIEWS", "ForgetDeviceView", "KnownDevicesView", "SecurityEventsView"]

MAX_PAGE_SIZE = 100


def event_json(event: SecurityEvent) -> dict[str, Any]:
    """An event as the API shows it to its user: no token, no administrator's id."""
    return {
        "id": str(event.pk),
        "type": event.type,
        "createdAt": iso_ms(event.created_at),
        "actor": event.actor,
        "sessionId": str(event.session_id) if event.session_id else None,
        "ipAddress": event.ip_address or None,
        "userAgent": event.user_agent or None,
        "device": event.device or None,
        "location": event.location or None,
        "details": event.details or {},
    }


def device_json(device: KnownDevice, current_id: str | None) -> dict[str, Any]:
    return {
        "id": str(device.pk),
        "name": device.name,
        "ipAddress": device.ip_address or None,
        "location": device.location or None,
        "firstSeenAt": iso_ms(device.first_seen_at),
        "lastSeenAt": iso_ms(device.last_seen_at),
        "current": device.device_id == current_id,
    }


class PageSerializer(drf_serializers.Serializer[Any]):
    limit = drf_serializers.IntegerField(min_value=1, max_value=MAX_PAGE_SIZE, required=False)
    offset = drf_serializers.IntegerField(min_value=0, max_value=1_000_000, required=False)


class SecurityEventsView(AuthView):
    """``GET /security-events?limit=&offset=``: the caller's own events, newest first."""

    endpoint = endpoints.SECURITY_EVENTS

    def get(self, request: Request) -> HttpResponse:
        current = self.require_session()
        page = PageSerializer(data=request.query_params)
        page.is_valid(raise_exception=True)
        default = min(MAX_PAGE_SIZE, max(1, activity_settings.SECURITY_EVENTS_PAGE_SIZE))
        limit = page.validated_data.get("limit", default)
        offset = page.validated_data.get("offset", 0)
        rows = list(
            SecurityEvent.objects.filter(user_id=current.session.user_id).order_by(
                "-created_at", "-id"
            )[offset : offset + limit + 1]
        )
        return _no_store(
            Response(
                {
                    "events": [event_json(row) for row in rows[:limit]],
                    "limit": limit,
                    "offset": offset,
                    "hasMore": len(rows) > limit,
                }
            )
        )


class KnownDevicesView(AuthView):
    """``GET /known-devices``: the browsers the caller's account has signed in from."""

    endpoint = endpoints.KNOWN_DEVICES

    def get(self, request: Request) -> HttpResponse:
        current = self.require_session()
        device = read_device(request._request)
        current_id = device.device_id if device is not None else None
        rows = KnownDevice.objects.filter(user_id=current.session.user_id).order_by("-last_seen_at")
        return _no_store(Response([device_json(row, current_id) for row in rows]))


class ForgetDeviceSerializer(drf_serializers.Serializer[Any]):
    id = drf_serializers.IntegerField(min_value=1, max_value=2**63 - 1)


class ForgetDeviceView(AuthView):
    """``POST /forget-device`` ``{"id"}``: the next sign-in from that browser is a new-device
    sign-in again (and mails again). Its sessions are not ended: revoke them for that."""

    endpoint = endpoints.FORGET_DEVICE

    def post(self, request: Request) -> HttpResponse:
        current = self.require_session()
        form = ForgetDeviceSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        deleted, _ = KnownDevice.objects.filter(
            user_id=current.session.user_id, pk=form.validated_data["id"]
        ).delete()
        if not deleted:
            raise AuthError(404, "DEVICE_NOT_FOUND", "Device not found")
        return Response({"status": True})


VIEWS = [SecurityEventsView, KnownDevicesView, ForgetDeviceView]
