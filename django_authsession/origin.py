"""The Origin rule for unsafe requests that carry a session cookie (CONTRACT.md §4).

Cookies are ``SameSite=Lax`` and the endpoints take JSON, but a cross-site form post could still
ride on the cookie; checking ``Origin`` (or ``Referer``) against the site itself and
``CSRF_TRUSTED_ORIGINS`` closes that without a CSRF token the Better Auth client never sends.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest
from django.utils.http import is_same_domain, url_has_allowed_host_and_scheme

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

MISSING_OR_NULL_ORIGIN = "MISSING_OR_NULL_ORIGIN"
INVALID_ORIGIN = "INVALID_ORIGIN"
ORIGIN_MESSAGES = {
    MISSING_OR_NULL_ORIGIN: "Missing or null Origin",
    INVALID_ORIGIN: "Invalid origin",
}


def _origin_of(url: str) -> str | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def _own_host(request: HttpRequest) -> str | None:
    try:
        return request.get_host()
    except DisallowedHost:  # a Host header not in ALLOWED_HOSTS is nobody's own origin
        return None


def _trusted(origin: str, request: HttpRequest) -> bool:
    host = _own_host(request)
    if host is not None and origin == f"{request.scheme}://{host}".lower():
        return True
    trusted = [o.lower() for o in getattr(settings, "CSRF_TRUSTED_ORIGINS", [])]
    if origin in trusted:
        return True
    scheme, _, netloc = origin.partition("://")
    return any(
        "*" in entry
        and entry.startswith(f"{scheme}://")
        and is_same_domain(netloc, entry.partition("://")[2].replace("*", "", 1))
        for entry in trusted
    )


def is_trusted_url(url: str, request: HttpRequest) -> bool:
    """A redirect target on this site (relative, or this host) or on a trusted origin."""
    host = _own_host(request)
    if host and url_has_allowed_host_and_scheme(url, {host}):
        return True
    origin = _origin_of(url)
    return (
        origin is not None
        and origin.startswith(("http://", "https://"))
        and _trusted(origin, request)
    )


def origin_error(request: HttpRequest) -> str | None:
    """``None`` when the request may proceed, else the error code to answer 403 with."""
    if request.method in SAFE_METHODS:
        return None
    header = request.META.get("HTTP_ORIGIN") or request.META.get("HTTP_REFERER")
    if not header or header == "null":
        return MISSING_OR_NULL_ORIGIN
    origin = _origin_of(header)
    if origin is None or not _trusted(origin, request):
        return INVALID_ORIGIN
    return None
