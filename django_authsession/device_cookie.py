"""The device cookie: a browser that has signed in to an account carries a signed tag for it.

OWASP's "device cookies" defence against lockout attacks: failed sign-ins from a browser an
account knows are counted on their own (``AUTHSESSION_DEVICE_FAILURE_LIMIT``), so guesses sent
by others cannot lock the owner out of the browsers they use. Nothing is stored server-side.

The cookie is ``<prefix>.device`` (``__Secure-`` prefixed with secure cookies), HttpOnly,
with the session cookies' attributes, kept ``AUTHSESSION_DEVICE_COOKIE_MAX_AGE`` seconds. Its
value is ``<device_id>.<tag>[,<tag>...]``: ``device_id`` is 22 random URL-safe characters, and
each tag binds the device to one account, the first 22 characters of
``base64url(HMAC-SHA256(secret, "authsession.device|" + device_id + "|" + str(user.pk)))``;
at most five tags, newest first.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponseBase

from . import cookies
from .conf import app_settings

__all__ = [
    "MAX_TAGS",
    "REQUEST_ATTRIBUTE",
    "Device",
    "device_cookie_name",
    "read_device",
    "remember_device",
    "write_pending",
]

DEVICE_ID_LENGTH = 22
TAG_LENGTH = 22
MAX_TAGS = 5
TAG_CONTEXT = "authsession.device|"
# Where a sign-in leaves the browser's device, for later code in the same request.
REQUEST_ATTRIBUTE = "authsession_device"
# The device read from the request's cookie (or ``None``), parsed once per request.
_READ_ATTRIBUTE = "_authsession_device_read"
# A device the middleware still has to write to the response (``remember_device`` without one).
_PENDING_ATTRIBUTE = "_authsession_device_pending"
_PART = f"[A-Za-z0-9_-]{{{TAG_LENGTH}}}"
_VALUE = re.compile(
    f"(?P<device>[A-Za-z0-9_-]{{{DEVICE_ID_LENGTH}}})"
    f"\\.(?P<tags>{_PART}(?:,{_PART}){{0,{MAX_TAGS - 1}}})"
)


def device_cookie_name() -> str:
    return cookies.cookie_name("device")


def _tag(secret: str, device_id: str, user_pk: Any) -> str:
    message = f"{TAG_CONTEXT}{device_id}|{user_pk}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")[:TAG_LENGTH]


@dataclass(frozen=True)
class Device:
    """A browser, as its device cookie describes it. ``is_new_for_user`` is set by
    :func:`remember_device`: this browser had no valid tag for the user before this sign-in."""

    device_id: str
    tags: tuple[str, ...] = ()
    is_new_for_user: bool = False

    def knows(self, user: Any) -> bool:
        """Has ``user`` signed in from this browser (a tag signed by a current or fallback
        secret)? Constant-time compares, every tag against every secret."""
        if user is None or getattr(user, "pk", None) is None:
            return False
        found = False
        for secret in app_settings.SECRETS:
            expected = _tag(secret, self.device_id, user.pk)
            for tag in self.tags:
                found |= hmac.compare_digest(expected, tag)
        return found

    @property
    def value(self) -> str:
        """The cookie value."""
        return f"{self.device_id}.{','.join(self.tags)}"


def _parse(value: str | None) -> Device | None:
    if not value or len(value) > DEVICE_ID_LENGTH + 1 + MAX_TAGS * (TAG_LENGTH + 1):
        return None
    match = _VALUE.fullmatch(value)
    if match is None:
        return None
    return Device(match["device"], tuple(match["tags"].split(",")))


def read_device(request: HttpRequest) -> Device | None:
    """The browser's device: the one a sign-in in this request remembered, else the one its
    cookie describes, else ``None`` (no cookie, or a malformed one). Tags are verified by
    :meth:`Device.knows`, not here."""
    remembered: Device | None = getattr(request, REQUEST_ATTRIBUTE, None)
    if remembered is not None:
        return remembered
    try:
        device: Device | None = getattr(request, _READ_ATTRIBUTE)
    except AttributeError:
        device = _parse(request.COOKIES.get(device_cookie_name()))
        setattr(request, _READ_ATTRIBUTE, device)
    return device


def remember_device(request: HttpRequest, response: HttpResponseBase | None, user: Any) -> Device:
    """Mark this browser as one ``user`` signs in from; every successful sign-in path calls
    it once. Sets the device cookie on ``response`` (with ``None``, ``AuthSessionMiddleware``
    sets it on this request's response), stores the device as ``request.authsession_device``
    and returns it. The same device id is kept, the user's tag moves to the front (signed with
    the current secret) and the oldest tags beyond five are dropped."""
    request = getattr(request, "_request", request)  # DRF's wrapper
    current: Device | None = getattr(request, REQUEST_ATTRIBUTE, None)
    if current is not None and current.tags[:1] == (
        _tag(app_settings.SECRET, current.device_id, user.pk),
    ):
        device = current  # remembered for this user earlier in this request
    else:
        existing = read_device(request)  # this request's own device first
        others: tuple[str, ...] = ()
        if existing is None:
            device_id, known = secrets.token_urlsafe(16), False
        else:
            device_id, known = existing.device_id, existing.knows(user)
            others = tuple(t for t in existing.tags if not Device(device_id, (t,)).knows(user))
        tag = _tag(app_settings.SECRET, device_id, user.pk)
        device = Device(device_id, (tag, *others)[:MAX_TAGS], is_new_for_user=not known)
        setattr(request, REQUEST_ATTRIBUTE, device)
    if response is None:
        setattr(request, _PENDING_ATTRIBUTE, device)
    else:
        _write(response, device)
    return device


def _write(response: HttpResponseBase, device: Device) -> None:
    cookies.set_cookie(
        response, device_cookie_name(), device.value, max_age=app_settings.DEVICE_COOKIE_MAX_AGE
    )


def pending(request: HttpRequest) -> bool:
    """Does the response still need the device cookie a sign-in asked for?"""
    return hasattr(request, _PENDING_ATTRIBUTE)


def write_pending(request: HttpRequest, response: HttpResponseBase) -> None:
    """Set the device cookie a sign-in without a response at hand asked for (the
    middleware's part); a failed response (5xx) sets nothing."""
    device: Device | None = getattr(request, _PENDING_ATTRIBUTE, None)
    if device is not None and response.status_code < 500:
        _write(response, device)
