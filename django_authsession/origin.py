"""The Origin rule (CONTRACT.md §4), in one place: an unsafe request that carries a session
cookie *or* an ``Origin``/``Referer`` header must come from the site itself or from
``CSRF_TRUSTED_ORIGINS``; otherwise 403.

Cookies are ``SameSite=Lax`` and the endpoints take JSON, but a cross-site form post could still
ride on the cookie; checking ``Origin`` (or ``Referer``) closes that without a CSRF token the
Better Auth client never sends. Checking it also when no cookie comes along stops login CSRF: a
cross-site form cannot sign a browser into someone else's account, since browsers send
``Origin`` on cross-site posts. A request with neither cookie nor header (curl, a mobile app)
cannot be a browser's cross-site request and is allowed; so is a request that carries its
session in ``Authorization: Bearer`` and no session cookie (a mobile app, or a script holding
its own token): a browser cannot attach that header to a cross-site request without a CORS
preflight, and no cookie rides along. Native apps send an origin of their own URL scheme
(``myapp://``), in ``Origin`` or, from Expo, in ``expo-origin`` (read when ``Origin`` is absent,
as Better Auth's Expo plugin reads it); such origins pass when listed in
``AUTHSESSION_TRUSTED_NATIVE_ORIGINS``. Our views and ``AuthSessionAuthentication`` both call
:func:`enforce`.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest
from django.utils.http import is_same_domain, url_has_allowed_host_and_scheme

from . import bearer, security
from .conf import app_settings
from .cookies import token_cookie_name
from .exceptions import AuthError

__all__ = ["INVALID_ORIGIN", "MISSING_OR_NULL_ORIGIN", "applies", "enforce", "is_trusted_url"]

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


def _native_trusted(value: str) -> bool:
    """A native app's origin (a scheme other than http and https) listed in
    ``AUTHSESSION_TRUSTED_NATIVE_ORIGINS``: an entry without a host trusts every host of its
    scheme, one with a host only that host (scheme and authority compared, never a prefix)."""
    scheme, sep, rest = value.lower().partition("://")
    if not sep or not scheme or scheme in ("http", "https"):
        return False
    authority = rest.split("/", 1)[0]
    for entry in app_settings.TRUSTED_NATIVE_ORIGINS:
        entry_scheme, entry_sep, entry_rest = entry.partition("://")
        if not entry_sep or entry_scheme != scheme:
            continue
        entry_authority = entry_rest.split("/", 1)[0]
        if not entry_authority or entry_authority == authority:
            return True
    return False


def _bearer_only(request: HttpRequest) -> bool:
    """The session in ``Authorization: Bearer`` and no session cookie: not a browser's
    cross-site request (see the module's docstring)."""
    return token_cookie_name() not in request.COOKIES and bearer.offered(request)


def applies(request: HttpRequest) -> bool:
    """The rule's one condition: an unsafe method with a session cookie or an origin header,
    unless the session comes in a bearer header without cookies."""
    if request.method in SAFE_METHODS:
        return False
    meta = request.META
    has_origin = "HTTP_ORIGIN" in meta or "HTTP_REFERER" in meta or "HTTP_EXPO_ORIGIN" in meta
    if token_cookie_name() in request.COOKIES:
        return True
    return has_origin and not _bearer_only(request)


def origin_error(request: HttpRequest) -> str | None:
    """``None`` when the request may proceed, else the error code to answer 403 with."""
    if not applies(request):
        return None
    meta = request.META
    header = meta.get("HTTP_ORIGIN") or meta.get("HTTP_EXPO_ORIGIN") or meta.get("HTTP_REFERER")
    if not header or header == "null":
        return MISSING_OR_NULL_ORIGIN
    if _native_trusted(header):
        return None
    origin = _origin_of(header)
    if origin is None or not _trusted(origin, request):
        return INVALID_ORIGIN
    return None


_UNLOGGABLE = re.compile(r"[^A-Za-z0-9.:/\-\[\]_]")
LOGGED_ORIGIN_MAX_LENGTH = 200


def refused_origin(request: HttpRequest) -> str:
    """What to log of the refused request's ``Origin`` (or ``Referer``): the operator needs it
    to fix ``CSRF_TRUSTED_ORIGINS``. Only ``scheme://host[:port]``: a Referer's path and query
    (which may carry a token) and any userinfo are dropped, and characters outside a host's
    alphabet are replaced, so a header cannot forge log lines. ``-`` when absent."""
    header = request.META.get("HTTP_ORIGIN") or request.META.get("HTTP_REFERER")
    if not header:
        return "-"
    if header == "null":
        return "null"
    try:
        parts = urlsplit(header)
    except ValueError:
        parts = None
    if parts is None or not parts.scheme or not parts.netloc:
        return "(unparsable)"
    host = parts.netloc.rpartition("@")[2]
    value = f"{parts.scheme}://{host}".lower()
    return _UNLOGGABLE.sub("?", value)[:LOGGED_ORIGIN_MAX_LENGTH]


def _header_name(request: HttpRequest) -> str:
    if request.META.get("HTTP_ORIGIN"):
        return "Origin"
    return "Referer" if request.META.get("HTTP_REFERER") else "-"


def enforce(request: HttpRequest) -> None:
    """Raise the contract's 403 (and log it) when the request fails the Origin rule."""
    code = origin_error(request)
    if code is not None:
        security.log_event(
            security.ORIGIN_REFUSED,
            request,
            code=code,
            header=_header_name(request),
            origin=refused_origin(request),
        )
        raise AuthError(403, code, ORIGIN_MESSAGES[code])
