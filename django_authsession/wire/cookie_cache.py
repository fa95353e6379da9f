"""The ``session_data`` cookie cache, in Better Auth's "compact" format, byte for byte.

What Better Auth 1.7.25 does (``dist/cookies/index.mjs`` ``setCookieCache`` /
``decodeCookieCache``, ``dist/cookies/session-store.mjs``, ``better-call`` ``cookies.mjs``),
confirmed against the real cookies in ``tests/vectors.json``:

- ``payload = {"session": session, "user": user, "updatedAt": Date.now(), "version": "1"}``.
- ``expiresAt = Date.now() + (maxAge || 60) * 1000``: when the cookie cache itself stops being
  trusted, in ms since the epoch. ``maxAge`` is the cookie cache max age (300 s by default);
  with ``rememberMe: false`` the cookie has no ``Max-Age`` and ``expiresAt`` is now + 60 s.
- ``signature = base64url_nopad(HMAC-SHA256(utf8(secret), utf8(JSON.stringify(
  {...payload, expiresAt}))))`` with the current secret only (Better Auth's ``secrets``
  rotation covers its JWE cookies, not this HMAC).
- value ``= base64url_nopad(utf8(JSON.stringify({"session": payload, "expiresAt": expiresAt,
  "signature": signature})))``; URL-encoding it changes nothing.
- Verifying re-serialises the *parsed* object with ``JSON.stringify``; so must we, hence
  :func:`.jsjson.js_stringify` (JS number formatting, integer-like keys first, lone surrogates
  escaped; non-ASCII is not escaped). Better Auth also turns ISO date strings into ``Date``
  objects before re-serialising; for the dates it writes itself that is the identity, so we
  skip it (we then accept, never forge, the rare cookie Better Auth would itself reject).
- Rejected when ``expiresAt < now`` or the embedded ``session.expiresAt`` is before now (the
  only expiry check of a cached session: callers do not repeat it).
- Chunking: a Set-Cookie line may be at most 4050 characters, so each chunk holds
  ``4050 - len("<name>.99=; Max-Age=300; Path=/; HttpOnly; SameSite=Lax")`` = 3977 value
  characters by default; chunks are ``<name>.0``, ``<name>.1``, ... and more than 100 chunks
  means no cache cookie at all. Readers prefer the plain name, else join the chunks whose
  suffix is a canonical decimal index, in numeric order.

Where we differ, on purpose: fallback secrets are tried after the current one (Django's key
rotation); chunk sets with a gap are refused rather than joined; an embedded date must be a real
calendar date (V8 rolls "02-30" over). None of it rejects a cookie Better Auth writes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from datetime import timezone as dt_timezone
from typing import Any, TypeGuard

from django.utils.crypto import constant_time_compare

from .chunks import CHUNK_SIZE, MAX_CHUNKS
from .jsjson import NotJSONCompatible, js_stringify

__all__ = [
    "DONT_REMEMBER_CACHE_AGE",
    "CachedSession",
    "NotJSONCompatible",
    "decode_session_data",
    "encode_session_data",
    "verify_session_data",
]

# Nothing longer can have come from Better Auth (or us); refuse before decoding it.
MAX_VALUE_LENGTH = CHUNK_SIZE * MAX_CHUNKS
DONT_REMEMBER_CACHE_AGE = 60  # seconds Better Auth trusts the cache of a browser-session cookie

_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
# Better Auth only revives (and zod only accepts) dates written like this.
_ISO_DATE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?Z",
    re.ASCII,
)
_SIGNED_HEAD = '{"session":'
_SIGNED_TAIL = re.compile(r',"expiresAt":(\d{1,16}),"signature":"([A-Za-z0-9_-]{43})"\}')


@dataclass(frozen=True)
class CachedSession:
    """A verified, unexpired cookie cache; the caller still binds it to the session token."""

    # Better Auth's camelCase session object as stored in the cookie; it holds the raw token.
    session: dict[str, Any] = field(repr=False)
    user: dict[str, Any]
    updated_at_ms: int
    expires_at_ms: int  # cookie-cache expiry (ms since epoch)
    version: str
    # The embedded session's expiresAt (ms since epoch), read from ``session`` once.
    session_expires_at_ms: int = field(default=0, compare=False)
    # Room for callers to keep what they derive from this value (it may be reused, memoized).
    memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def fresh(self, now_ms: int) -> bool:
        """Neither the cookie cache nor the session it carries has expired: the one expiry
        check of a cached session (Better Auth rejects ``expiresAt < now``)."""
        return now_ms <= self.expires_at_ms and now_ms <= self.session_expires_at_ms


def encode_session_data(
    session: dict[str, Any],
    user: dict[str, Any],
    *,
    secret: str,
    max_age: int | None,
    now_ms: int,
    updated_at_ms: int | None = None,
    version: str = "1",
) -> str:
    """The cookie value, byte for byte what Better Auth would emit for the same inputs.

    ``max_age`` is the cookie cache max age in seconds; ``None`` (a browser-session cookie,
    ``rememberMe: false``) or 0 gives Better Auth's 60 s. Dict order is kept, as JS would.
    """
    expires_at = now_ms + (max_age or DONT_REMEMBER_CACHE_AGE) * 1000
    payload: dict[str, Any] = {
        "session": session,
        "user": user,
        "updatedAt": now_ms if updated_at_ms is None else updated_at_ms,
        "version": version,
    }
    signature = _sign(secret, js_stringify({**payload, "expiresAt": expires_at}))
    outer = {"session": payload, "expiresAt": expires_at, "signature": signature}
    return _b64url_encode(js_stringify(outer).encode("utf-8"))


def decode_session_data(value: str, secrets: Sequence[str], *, now_ms: int) -> CachedSession | None:
    """None for anything malformed, forged (signature fails against every secret), or expired.

    Never raises: the value comes straight from the browser.
    """
    cached = verify_session_data(value, tuple(secrets) if not isinstance(secrets, str) else secrets)
    return cached if cached is not None and cached.fresh(now_ms) else None


def verify_session_data(value: str, secrets: Sequence[str]) -> CachedSession | None:
    """:func:`decode_session_data` without the clock: None for anything malformed or forged.

    A pure function of its arguments, so a caller may memoize it; check
    :meth:`CachedSession.fresh` on every use."""
    try:
        return _decode(value, secrets)
    # binascii.Error, JSONDecodeError and UnicodeDecodeError are ValueErrors.
    except (ValueError, TypeError, RecursionError, OverflowError):
        return None


def _decode(value: str, secrets: Sequence[str]) -> CachedSession | None:
    if not isinstance(value, str) or not value or len(value) > MAX_VALUE_LENGTH:
        return None
    if not _BASE64URL.fullmatch(value) or len(value) % 4 == 1:
        return None
    raw = base64.b64decode(value + "=" * (-len(value) % 4), altchars=b"-_", validate=True)
    text = raw.decode("utf-8")
    outer = json.loads(text, parse_constant=_reject_constant)
    if not isinstance(outer, dict):
        return None
    payload = outer.get("session")
    expires_at = outer.get("expiresAt")
    signature = outer.get("signature")
    if not isinstance(payload, dict) or not _is_int(expires_at) or not isinstance(signature, str):
        return None
    if isinstance(secrets, str):  # one secret passed bare must not become one per character
        secrets = [secrets]
    if not _signed_as_written(text, signature, secrets):
        message = js_stringify({**payload, "expiresAt": expires_at})
        if not any(constant_time_compare(_sign(secret, message), signature) for secret in secrets):
            return None
    session = payload.get("session")
    user = payload.get("user")
    updated_at = payload.get("updatedAt")
    version = payload.get("version", "1")
    # The user object is whatever the project's serializer wrote (integer ids, nested objects):
    # the signature vouches for it, so any JSON object is taken as it is.
    if not isinstance(session, dict) or not isinstance(user, dict):
        return None
    if not _is_int(updated_at) or not isinstance(version, str):
        return None
    if not all(isinstance(session.get(key), str) for key in ("id", "token", "userId")):
        return None
    session_expires_at = _iso_to_ms(session.get("expiresAt"))
    if session_expires_at is None:
        return None
    return CachedSession(
        session=session,
        user=user,
        updated_at_ms=updated_at,
        expires_at_ms=expires_at,
        version=version,
        session_expires_at_ms=session_expires_at,
    )


def _signed_as_written(text: str, signature: str, secrets: Sequence[str]) -> bool:
    """The fast check: the signed message, cut from the cookie's own JSON text.

    The encoder (Better Auth's or ours) writes ``{"session":P,"expiresAt":N,"signature":S}`` and
    signs ``P`` with ``,"expiresAt":N`` put before its closing brace, both from one
    ``JSON.stringify``; so for every genuine cookie the bytes are at hand and re-serialising
    (the slow, general check) is needed only for cookies written some other way.
    """
    start = text.rfind(',"expiresAt":')
    tail = _SIGNED_TAIL.fullmatch(text, start) if start > 0 else None
    if tail is None or not text.startswith(_SIGNED_HEAD) or tail.group(2) != signature:
        return False
    payload = text[len(_SIGNED_HEAD) : tail.start()]
    if len(payload) < 3 or payload[0] != "{" or payload[-1] != "}":
        return False
    message = f'{payload[:-1]},"expiresAt":{tail.group(1)}}}'
    return any(constant_time_compare(_sign(secret, message), signature) for secret in secrets)


def _sign(secret: str, message: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).digest()
    return _b64url_encode(digest)


def _b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _reject_constant(name: str) -> Any:
    """JSON.parse knows no NaN or Infinity."""
    raise ValueError(name)


def _iso_to_ms(value: object) -> int | None:
    """ms since the epoch of a ``toISOString()`` date, or None if Better Auth would not read it."""
    if not isinstance(value, str):
        return None
    match = _ISO_DATE.fullmatch(value)
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    fraction = (match.group(7) or "")[:3].ljust(3, "0")
    try:
        moment = datetime(year, month, day, hour, minute, second, tzinfo=dt_timezone.utc)
    except ValueError:
        return None
    return int(moment.timestamp()) * 1000 + int(fraction)
