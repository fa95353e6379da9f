"""The three cookies, named and set exactly as Better Auth names and sets them:
``session_token`` (signed token), ``session_data`` (the 5-minute cookie cache, possibly chunked)
and ``dont_remember`` (sign-in without "remember me"). Internal: the formats themselves are
in :mod:`django_authsession.wire`."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from django.http import HttpRequest, HttpResponseBase

from .conf import app_settings
from .tokens import MAX_SIGNED_VALUE_LENGTH, sign_cookie_value, unsign_cookie_value
from .wire import chunks, cookie_cache
from .wire.attributes import SECURE_PREFIX, CookieAttributes

__all__ = [
    "SECURE_PREFIX",
    "attributes",
    "clear_all",
    "clear_cache",
    "cookie_name",
    "data_cookie_name",
    "delete",
    "dont_remember_cookie_name",
    "has_cache",
    "is_remembered",
    "read_cache",
    "read_signed",
    "read_token",
    "set_cache",
    "set_signed",
    "set_token",
    "token_cookie_name",
]

# Distinct cookie values remembered per process once verified; longer values (a chunked cache
# of a very large user object) are verified every time, so the memo stays under ~8 MB.
VERIFIED_MEMO_SIZE = 1024
MEMO_MAX_VALUE_LENGTH = 8192
_ATTRIBUTES = {secure: CookieAttributes(secure=secure) for secure in (False, True)}


def attributes() -> CookieAttributes:
    """The attributes of every session cookie, for writing them and for sizing chunks."""
    return _ATTRIBUTES[app_settings.USE_SECURE_COOKIES]


def cookie_name(suffix: str) -> str:
    return _name(app_settings.COOKIE_PREFIX, app_settings.USE_SECURE_COOKIES, suffix)


@lru_cache(maxsize=64)
def _name(prefix: str, secure: bool, suffix: str) -> str:
    return _ATTRIBUTES[secure].name(prefix, suffix)


def token_cookie_name() -> str:
    return cookie_name("session_token")


def data_cookie_name() -> str:
    return cookie_name("session_data")


def dont_remember_cookie_name() -> str:
    return cookie_name("dont_remember")


def _set(response: HttpResponseBase, name: str, value: str, max_age: int | None) -> None:
    attrs = attributes()
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=attrs.path,
        domain=attrs.domain,
        secure=attrs.secure,
        httponly=attrs.http_only,
        samesite=attrs.same_site,  # type: ignore[arg-type]
    )


def delete(response: HttpResponseBase, name: str) -> None:
    # Same attributes as when set: browsers match on name, path and (for __Secure-) Secure.
    attrs = attributes()
    response.delete_cookie(
        name,
        path=attrs.path,
        domain=attrs.domain,
        samesite=attrs.same_site,  # type: ignore[arg-type]
    )
    response.cookies[name]["httponly"] = attrs.http_only
    if attrs.secure:
        response.cookies[name]["secure"] = True


def read_token(cookies: Mapping[str, str]) -> str | None:
    """The token of a well-signed ``session_token`` cookie, else ``None``."""
    value = cookies.get(token_cookie_name())
    if not value:
        return None
    if len(value) > MAX_SIGNED_VALUE_LENGTH:
        return None  # never a signed token: not worth remembering
    return _verified_token(value, app_settings.SECRETS)


@lru_cache(maxsize=VERIFIED_MEMO_SIZE)
def _verified_token(value: str, secrets: tuple[str, ...]) -> str | None:
    """As ``_verified_cache``: the same signed value always carries the same token."""
    return unsign_cookie_value(value, secrets)


def is_remembered(cookies: Mapping[str, str]) -> bool:
    value = cookies.get(dont_remember_cookie_name())
    if not value or len(value) > MAX_SIGNED_VALUE_LENGTH:
        return True
    return _verified_token(value, app_settings.SECRETS) != "true"


def read_cache(
    cookies: Mapping[str, str], token: str, *, now_ms: int
) -> cookie_cache.CachedSession | None:
    """The cookie cache, if it decodes, is signed by a current or fallback secret, is unexpired
    and is bound to ``token``; ``None`` otherwise."""
    value = chunks.join_chunks(cookies, data_cookie_name())
    if value is None:
        return None
    secrets = app_settings.SECRETS
    cached = (
        _verified_cache(value, secrets)
        if len(value) <= MEMO_MAX_VALUE_LENGTH
        else cookie_cache.verify_session_data(value, secrets)
    )
    if cached is None or not cached.fresh(now_ms) or cached.session.get("token") != token:
        return None
    return cached


@lru_cache(maxsize=VERIFIED_MEMO_SIZE)
def _verified_cache(value: str, secrets: tuple[str, ...]) -> cookie_cache.CachedSession | None:
    """Verifying is a pure function of the value and the secrets: a browser sends the same
    cookie cache for minutes, so each worker decodes and checks its signature once. Bounded;
    the clock (``fresh``) and the token binding are checked on every request."""
    return cookie_cache.verify_session_data(value, secrets)


def has_cache(cookies: Mapping[str, str]) -> bool:
    return bool(chunks.chunk_names(cookies, data_cookie_name()))


def set_signed(response: HttpResponseBase, suffix: str, value: str, *, max_age: int | None) -> None:
    """A signed cookie ``<prefix>.<suffix>`` with the session cookies' attributes (Better
    Auth's ``setSignedCookie``), such as the admin's parked session during impersonation."""
    _set(response, cookie_name(suffix), sign_cookie_value(value), max_age)


def read_signed(cookies: Mapping[str, str], suffix: str) -> str | None:
    """The value of a well-signed ``<prefix>.<suffix>`` cookie, else ``None``."""
    value = cookies.get(cookie_name(suffix))
    if not value or len(value) > MAX_SIGNED_VALUE_LENGTH:
        return None
    return unsign_cookie_value(value, app_settings.SECRETS)


def set_token(
    response: HttpResponseBase, token: str, *, max_age: int, remember: bool = True
) -> None:
    """``rememberMe: false`` gives a browser-session cookie and a ``dont_remember`` marker."""
    _set(response, token_cookie_name(), sign_cookie_value(token), max_age if remember else None)
    if not remember:
        _set(response, dont_remember_cookie_name(), sign_cookie_value("true"), None)


def set_cache(
    response: HttpResponseBase,
    cookies: Mapping[str, str],
    session: dict[str, Any],
    user: dict[str, Any],
    *,
    now_ms: int,
    remember: bool = True,
) -> None:
    """Write the cookie cache, clearing chunks of an older, longer value. Without "remember me"
    it is a browser-session cookie trusted for 60 s, as Better Auth writes it."""
    max_age = app_settings.COOKIE_CACHE_MAX_AGE if remember else None
    value = cookie_cache.encode_session_data(
        session, user, secret=app_settings.SECRET, max_age=max_age, now_ms=now_ms
    )
    parts = chunks.split_chunks(data_cookie_name(), value, max_age=max_age, attributes=attributes())
    for name in chunks.chunk_names(cookies, data_cookie_name()):
        if name not in parts:
            delete(response, name)
    for name, part in parts.items():
        _set(response, name, part, max_age)


def clear_cache(response: HttpResponseBase, cookies: Mapping[str, str]) -> None:
    for name in chunks.chunk_names(cookies, data_cookie_name()):
        delete(response, name)


def clear_all(response: HttpResponseBase, request: HttpRequest) -> None:
    """Clear every session cookie; chunked caches by the names the browser actually sent."""
    delete(response, token_cookie_name())
    delete(response, data_cookie_name())
    if dont_remember_cookie_name() in request.COOKIES:
        delete(response, dont_remember_cookie_name())
    for name in chunks.chunk_names(request.COOKIES, data_cookie_name()):
        if name != data_cookie_name():
            delete(response, name)
