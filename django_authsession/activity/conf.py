"""Settings of ``django_authsession.activity``, read like the core's (``conf.AppSettings``):
each ``AUTHSESSION_*`` setting is a typed property with its default."""

from __future__ import annotations

from ..conf import SettingsBase, setting

__all__ = ["LOCATION_HEADER_PRESETS", "activity_settings"]

# The request headers each CDN sets with the client's place (country code, city).
LOCATION_HEADER_PRESETS: dict[str, tuple[str, str | None]] = {
    "cloudflare": ("HTTP_CF_IPCOUNTRY", "HTTP_CF_IPCITY"),
    "cloudfront": ("HTTP_CLOUDFRONT_VIEWER_COUNTRY", "HTTP_CLOUDFRONT_VIEWER_CITY"),
    "vercel": ("HTTP_X_VERCEL_IP_COUNTRY", "HTTP_X_VERCEL_IP_CITY"),
}


class ActivitySettings(SettingsBase):
    @setting
    def EVENT_RETENTION(self) -> int | None:
        """Days a security event is kept before ``cleanup_sessions`` deletes it (an int, or
        ``None`` to keep events forever). Default 90."""
        value = self._get("EVENT_RETENTION", 90)
        return None if value is None else int(value)

    @setting
    def NOTIFY_NEW_DEVICE(self) -> bool:
        """Mail the user when their account is signed in to from a device it has not used
        (a bool). Default ``False``; the ``new_device_sign_in`` signal is sent either way."""
        return bool(self._get("NOTIFY_NEW_DEVICE", False))

    @setting
    def DEVICE_PAGE_URL(self) -> str | None:
        """Where the user reviews their devices, linked from the new-device mail: an absolute
        URL, or a path made absolute with the sign-in request's host (a str, or ``None``, the
        default: no link)."""
        value = self._get("DEVICE_PAGE_URL", None)
        return None if value is None else str(value)

    @setting
    def LOCATION_RESOLVER(self) -> str | None:
        """Import path of a callable ``(request, ip) -> {"country", "countryCode", "city"} |
        None`` placing a request (a str). Default ``None``: the built-in resolver, which reads
        ``AUTHSESSION_LOCATION_HEADERS`` and then ``AUTHSESSION_GEOIP_PATH``."""
        value = self._get("LOCATION_RESOLVER", None)
        return None if value is None else str(value)

    @setting
    def GEOIP_PATH(self) -> str | None:
        """Path of a MaxMind GeoIP2/GeoLite2 City or Country database (``.mmdb``), or of the
        directory holding it (a str). Default ``None``: Django's ``GEOIP_PATH`` if set, else
        no lookup. Nothing is downloaded."""
        from django.conf import settings

        value = self._get("GEOIP_PATH", getattr(settings, "GEOIP_PATH", None))
        return None if value is None else str(value)

    @setting
    def LOCATION_HEADERS(self) -> str | None:
        """A CDN whose place headers are believed, from trusted proxies only
        (``AUTHSESSION_TRUSTED_PROXIES``): ``"cloudflare"``, ``"cloudfront"`` or ``"vercel"``
        (a str). Default ``None``."""
        value = self._get("LOCATION_HEADERS", None)
        return None if value is None else str(value).lower()

    @setting
    def SECURITY_EVENTS_PAGE_SIZE(self) -> int:
        """Events per page of ``GET /security-events`` (an int, at most 100). Default 20."""
        return int(self._get("SECURITY_EVENTS_PAGE_SIZE", 20))


activity_settings = ActivitySettings()
