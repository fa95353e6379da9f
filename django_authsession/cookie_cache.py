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
  :func:`_js_stringify` (JS number formatting, integer-like keys first, lone surrogates
  escaped; non-ASCII is not escaped). Better Auth also turns ISO date strings into ``Date``
  objects before re-serialising; for the dates it writes itself that is the identity, so we
  skip it (we then accept, never forge, the rare cookie Better Auth would itself reject).
- Rejected when ``expiresAt < now`` or the embedded ``session.expiresAt`` is before now.
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
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from datetime import timezone as dt_timezone
from json.encoder import encode_basestring  # what json.dumps(str, ensure_ascii=False) uses
from typing import Any, TypeGuard

from django.utils.crypto import constant_time_compare

__all__ = [
    "CHUNK_SIZE",
    "MAX_CHUNKS",
    "CachedSession",
    "chunk_names",
    "chunk_value_size",
    "decode_session_data",
    "encode_session_data",
    "join_chunks",
    "split_chunks",
]

CHUNK_SIZE = 4050  # Better Auth's MAX_COOKIE_SIZE: the whole serialized Set-Cookie, not the value
MAX_CHUNKS = 100  # Better Auth's MAX_COOKIE_CHUNKS
# Nothing longer can have come from Better Auth (or us); refuse before decoding it.
MAX_VALUE_LENGTH = CHUNK_SIZE * MAX_CHUNKS
DONT_REMEMBER_CACHE_AGE = 60  # seconds Better Auth trusts the cache of a browser-session cookie

_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_CHUNK_INDEX = re.compile(r"0|[1-9][0-9]*")
_ARRAY_INDEX_MAX = 2**32 - 2  # JS orders keys "0".."4294967294" first, ascending
_SAFE_INTEGER_MAX = 2**53 - 1
# Better Auth only revives (and zod only accepts) dates written like this.
_ISO_DATE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?Z",
    re.ASCII,
)
_SURROGATE = re.compile("[\ud800-\udfff]")
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


class _NotJSONCompatible(TypeError):
    """A value JSON.stringify would not write the way we can reproduce."""


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
    signature = _sign(secret, _js_stringify({**payload, "expiresAt": expires_at}))
    outer = {"session": payload, "expiresAt": expires_at, "signature": signature}
    return _b64url_encode(_js_stringify(outer).encode("utf-8"))


def decode_session_data(value: str, secrets: Sequence[str], *, now_ms: int) -> CachedSession | None:
    """None for anything malformed, forged (signature fails against every secret), or expired.

    Never raises: the value comes straight from the browser.
    """
    try:
        return _decode(value, secrets, now_ms)
    # binascii.Error, JSONDecodeError and UnicodeDecodeError are ValueErrors.
    except (ValueError, TypeError, RecursionError, OverflowError):
        return None


def split_chunks(
    name: str,
    value: str,
    *,
    max_age: int | None = 300,
    secure: bool = False,
    domain: str | None = None,
    path: str = "/",
    same_site: str | None = "Lax",
) -> dict[str, str]:
    """{name: value} when short; {name.0: ..., name.1: ...} above the chunk size, as Better Auth.

    The chunk size depends on the attributes the cookies will carry (Better Auth sizes the
    Set-Cookie line of ``<name>.99``), so pass the same ones. ``{}`` means the value would
    need more than 100 chunks: Better Auth then sets no cache cookie at all.
    """
    size = chunk_value_size(
        name, max_age=max_age, secure=secure, domain=domain, path=path, same_site=same_site
    )
    count = math.ceil(len(value) / size) if size > 0 else MAX_CHUNKS + 1
    if count <= 1:
        return {name: value}
    if count > MAX_CHUNKS:
        return {}
    return {f"{name}.{i}": value[i * size : (i + 1) * size] for i in range(count)}


def chunk_value_size(
    name: str,
    *,
    max_age: int | None = 300,
    secure: bool = False,
    domain: str | None = None,
    path: str = "/",
    same_site: str | None = "Lax",
) -> int:
    """Value characters per chunk: CHUNK_SIZE minus the empty ``<name>.99`` Set-Cookie line.

    Mirrors better-call's ``serializeCookie`` (attribute order and spelling matter for the size).
    """
    lowered = name.lower()
    secure = secure or lowered.startswith(("__secure-", "__host-"))
    if same_site is not None and same_site.lower() == "none":
        secure = True
    line = f"{name}.99="
    if max_age is not None and max_age >= 0:
        line += f"; Max-Age={max_age}"
    if domain:
        line += f"; Domain={domain}"
    if path:
        line += f"; Path={path}"
    line += "; HttpOnly"
    if secure:
        line += "; Secure"
    if same_site:
        line += f"; SameSite={same_site[:1].upper()}{same_site[1:]}"
    return CHUNK_SIZE - len(line)


def join_chunks(cookies: Mapping[str, str], name: str) -> str | None:
    """Reassemble from request cookies (plain name or .0 .1 ... chunks in numeric order).

    None if absent, or if the chunks do not run 0..n-1 without a gap (a lost chunk can only
    fail verification later). A non-empty plain cookie wins, as in Better Auth.
    """
    plain = cookies.get(name)
    if plain:
        return plain
    chunks = _chunk_indices(cookies, name)
    if not chunks or len(chunks) > MAX_CHUNKS or sorted(chunks) != list(range(len(chunks))):
        return None
    return "".join(cookies[chunks[i]] for i in range(len(chunks)))


def chunk_names(cookies: Mapping[str, str], name: str) -> list[str]:
    """All cookie names present in the request that belong to this cookie (plain and chunks).

    So the caller can clear them; the same set Better Auth expires before writing new chunks.
    """
    indices = _chunk_indices(cookies, name)
    found = [name] if name in cookies else []
    return found + [indices[i] for i in sorted(indices)]


def _chunk_indices(cookies: Mapping[str, str], name: str) -> dict[int, str]:
    """Chunk cookie names by index; only canonical decimal suffixes count, as in Better Auth."""
    prefix = f"{name}."
    found: dict[int, str] = {}
    for key in cookies:
        if not key.startswith(prefix):
            continue
        suffix = key[len(prefix) :]
        if _CHUNK_INDEX.fullmatch(suffix) and len(suffix) <= 16:
            index = int(suffix)
            if index <= _SAFE_INTEGER_MAX:
                found[index] = key
    return found


def _decode(value: str, secrets: Sequence[str], now_ms: int) -> CachedSession | None:
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
        message = _js_stringify({**payload, "expiresAt": expires_at})
        if not any(constant_time_compare(_sign(secret, message), signature) for secret in secrets):
            return None
    if expires_at < now_ms:
        return None
    session = payload.get("session")
    user = payload.get("user")
    updated_at = payload.get("updatedAt")
    version = payload.get("version", "1")
    if not isinstance(session, dict) or not isinstance(user, dict):
        return None
    if not _is_int(updated_at) or not isinstance(version, str):
        return None
    if not all(isinstance(session.get(key), str) for key in ("id", "token", "userId")):
        return None
    if not all(isinstance(user.get(key), str) for key in ("id", "email", "name")):
        return None
    session_expires_at = _iso_to_ms(session.get("expiresAt"))
    if session_expires_at is None or session_expires_at < now_ms:
        return None
    return CachedSession(
        session=session,
        user=user,
        updated_at_ms=updated_at,
        expires_at_ms=expires_at,
        version=version,
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


def _js_stringify(value: Any) -> str:
    """``JSON.stringify(value)`` as V8 writes it, for values ``json.loads`` can produce.

    Differs from ``json.dumps(separators=(",", ":"), ensure_ascii=False)`` only in the
    corners: JS number formatting, array-index keys ordered first, lone surrogates escaped.
    """
    if _plain(value):  # the usual case, where Python's encoder writes exactly what V8 does
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    else:
        text = _js_value(value)
    if _SURROGATE.search(text):
        # Pair up surrogates JS would see as one character, then escape the lone ones.
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
        text = _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return text


def _plain(value: Any) -> bool:
    """Only strings, booleans, null, safe integers, and objects without array-index keys."""
    if value is None or isinstance(value, str | bool):
        return True
    if isinstance(value, int):
        return -_SAFE_INTEGER_MAX <= value <= _SAFE_INTEGER_MAX
    if isinstance(value, dict):
        return all(
            isinstance(key, str) and not (key[:1].isdigit() and _is_array_index(key)) and _plain(v)
            for key, v in value.items()
        )
    if isinstance(value, list | tuple):
        return all(_plain(item) for item in value)
    return False


def _js_value(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return encode_basestring(value)
    if isinstance(value, int | float):
        return _js_number(value)
    if isinstance(value, dict):
        items = (
            f"{encode_basestring(key)}:{_js_value(value[key])}" for key in _js_key_order(value)
        )
        return "{" + ",".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_js_value(item) for item in value) + "]"
    raise _NotJSONCompatible(f"{type(value).__name__} is not JSON")


def _js_key_order(obj: dict[Any, Any]) -> list[str]:
    """JS objects list array-index keys first, ascending, then the rest in insertion order."""
    keys: list[str] = []
    for key in obj:
        if not isinstance(key, str):
            raise _NotJSONCompatible("object keys must be strings")
        keys.append(key)
    indices = [key for key in keys if _is_array_index(key)]
    if not indices:
        return keys
    indices.sort(key=int)
    return indices + [key for key in keys if not _is_array_index(key)]


def _is_array_index(key: str) -> bool:
    return (
        len(key) <= 10 and _CHUNK_INDEX.fullmatch(key) is not None and int(key) <= _ARRAY_INDEX_MAX
    )


def _js_number(value: int | float) -> str:
    """``Number.prototype.toString`` (ECMA-262 Number::toString), which JSON.stringify uses."""
    if isinstance(value, int):
        if -_SAFE_INTEGER_MAX <= value <= _SAFE_INTEGER_MAX:
            return str(value)
        value = float(value)  # JS holds every number as a double; OverflowError if too big
    if not math.isfinite(value):
        return "null"
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    # repr gives the shortest round-tripping digits, the same digits JS picks.
    mantissa, _, exponent = repr(abs(value)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    all_digits = whole + fraction
    digits = all_digits.lstrip("0")
    point = len(whole) + int(exponent or 0) - (len(all_digits) - len(digits))
    digits = digits.rstrip("0")
    k, n = len(digits), point
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * -n + digits
    exp = f"{'+' if n - 1 >= 0 else '-'}{abs(n - 1)}"
    if k == 1:
        return f"{sign}{digits}e{exp}"
    return f"{sign}{digits[0]}.{digits[1:]}e{exp}"
