"""The three cookies, named and set exactly as Better Auth names and sets them:
``session_token`` (signed token), ``session_data`` (the 5-minute cookie cache, possibly chunked)
and ``dont_remember`` (sign-in without "remember me"). Internal: the formats themselves are
in :mod:`django_authsession.wire`."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from http.cookies import Morsel
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
    "delete_cookie",
    "dont_remember_cookie_name",
    "has_cache",
    "is_remembered",
    "read_cache",
    "read_signed",
    "read_token",
    "set_cache",
    "set_cookie",
    "set_signed",
    "set_token",
    "token_cookie_name",
]

# Distinct cookie values remembered per process once verified; longer values (a chunked cache
# of a very large user object) are verified every time, so the memo stays under ~8 MB.
VERIFIED_MEMO_SIZE = 1024
MEMO_MAX_VALUE_LENGTH = 8192
EXPIRED = "Thu, 01 Jan 1970 00:00:00 GMT"  # what Django's delete_cookie() sends


def attributes() -> CookieAttributes:
    """The attributes of every cookie the app sets or deletes, for writing them and for sizing
    chunks: ``Secure``, ``SameSite``, ``Domain`` and ``Partitioned`` from the settings."""
    return _attributes(
        app_settings.USE_SECURE_COOKIES,
        app_settings.COOKIE_SAMESITE,
        app_settings.CROSS_SUBDOMAIN_COOKIE_DOMAIN,
        app_settings.COOKIE_PARTITIONED,
    )


@lru_cache(maxsize=16)
def _attributes(
    secure: bool, same_site: str, domain: str | None, partitioned: bool
) -> CookieAttributes:
    return CookieAttributes(
        secure=secure, same_site=same_site, domain=domain, partitioned=partitioned
    )


def cookie_name(suffix: str) -> str:
    """``<prefix>.<suffix>``, ``__Secure-`` prefixed with secure cookies."""
    return _name(app_settings.COOKIE_PREFIX, app_settings.USE_SECURE_COOKIES, suffix)


@lru_cache(maxsize=64)
def _name(prefix: str, secure: bool, suffix: str) -> str:
    return CookieAttributes(secure=secure).name(prefix, suffix)


def token_cookie_name() -> str:
    return cookie_name("session_token")


def data_cookie_name() -> str:
    return cookie_name("session_data")


def dont_remember_cookie_name() -> str:
    return cookie_name("dont_remember")


class _PartitionedMorsel(Morsel[str]):
    """A morsel that can say ``Partitioned``: ``http.cookies`` knows the attribute only from
    Python 3.14 on, and Django's ``set_cookie()`` has no argument for it."""

    _reserved = {**Morsel._reserved, "partitioned": "Partitioned"}  # type: ignore[attr-defined]
    _flags = {*Morsel._flags, "partitioned"}  # type: ignore[attr-defined]


def set_cookie(
    response: HttpResponseBase,
    name: str,
    value: str,
    *,
    max_age: int | None,
    attrs: CookieAttributes | None = None,
) -> None:
    """Set cookie ``name`` with the attributes every app cookie carries (``max_age=None``: a
    browser-session cookie). Every cookie the app writes goes through here or
    :func:`delete_cookie`, so a deletion always matches what was set."""
    _write(response, name, value, max_age=max_age, attrs=attrs or attributes())


def delete_cookie(
    response: HttpResponseBase, name: str, *, attrs: CookieAttributes | None = None
) -> None:
    """Tell the browser to drop cookie ``name``. Browsers match a deletion on name, Domain and
    Path (and want ``Secure`` for ``__Secure-`` names): it carries the same attributes as the
    cookie it deletes."""
    _write(response, name, "", max_age=0, expires=EXPIRED, attrs=attrs or attributes())


def _write(
    response: HttpResponseBase,
    name: str,
    value: str,
    *,
    max_age: int | None,
    attrs: CookieAttributes,
    expires: str | None = None,
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        expires=expires,
        path=attrs.path,
        domain=attrs.domain,
        secure=attrs.secure,
        httponly=attrs.http_only,
        samesite=attrs.same_site,  # type: ignore[arg-type]
    )
    if attrs.partitioned:
        morsel = _PartitionedMorsel()
        morsel.update(response.cookies[name])
        morsel.set(name, response.cookies[name].value, response.cookies[name].coded_value)
        morsel["partitioned"] = True
        response.cookies[name] = morsel


def _set(response: HttpResponseBase, name: str, value: str, max_age: int | None) -> None:
    set_cookie(response, name, value, max_age=max_age)


def _delete(response: HttpResponseBase, name: str) -> None:
    delete_cookie(response, name)


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
    # Trusted for AUTHSESSION_COOKIE_CACHE_MAX_AGE after it was written, whatever its own
    # expiresAt says (one signed with a longer max age, by an older setting or another server
    # sharing the secret): revocation marks live only that long.
    if now_ms > cached.updated_at_ms + app_settings.COOKIE_CACHE_MAX_AGE * 1000:
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
    response: HttpResponseBase,
    token: str,
    *,
    max_age: int,
    remember: bool = True,
    cookies: Mapping[str, str] | None = None,
) -> None:
    """``rememberMe: false`` gives a browser-session cookie and a ``dont_remember`` marker; a
    remembered session clears a marker the browser still holds (``cookies``: what it sent)."""
    _set(response, token_cookie_name(), sign_cookie_value(token), max_age if remember else None)
    if not remember:
        _set(response, dont_remember_cookie_name(), sign_cookie_value("true"), None)
    elif cookies is not None and dont_remember_cookie_name() in cookies:
        _delete(response, dont_remember_cookie_name())


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
            _delete(response, name)
    for name, part in parts.items():
        _set(response, name, part, max_age)


def clear_cache(response: HttpResponseBase, cookies: Mapping[str, str]) -> None:
    for name in chunks.chunk_names(cookies, data_cookie_name()):
        _delete(response, name)


def clear_all(response: HttpResponseBase, request: HttpRequest) -> None:
    """Clear every session cookie; chunked caches by the names the browser actually sent."""
    _delete(response, token_cookie_name())
    _delete(response, data_cookie_name())
    if dont_remember_cookie_name() in request.COOKIES:
        _delete(response, dont_remember_cookie_name())
    for name in chunks.chunk_names(request.COOKIES, data_cookie_name()):
        if name != data_cookie_name():
            _delete(response, name)
