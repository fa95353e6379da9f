"""Cookie chunking as Better Auth does it: a ``Set-Cookie`` line may be at most 4050
characters, so a long value is split into ``<name>.0``, ``<name>.1``, ... The chunk size depends
on the attributes the cookies carry, so both come from one :class:`CookieAttributes`."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from .attributes import CookieAttributes

__all__ = [
    "CHUNK_SIZE",
    "MAX_CHUNKS",
    "chunk_names",
    "chunk_value_size",
    "join_chunks",
    "split_chunks",
]

CHUNK_SIZE = 4050  # Better Auth's MAX_COOKIE_SIZE: the whole serialized Set-Cookie, not the value
MAX_CHUNKS = 100  # Better Auth's MAX_COOKIE_CHUNKS
_CHUNK_INDEX = re.compile(r"0|[1-9][0-9]*")
_SAFE_INTEGER_MAX = 2**53 - 1
DEFAULT_ATTRIBUTES = CookieAttributes()


def split_chunks(
    name: str,
    value: str,
    *,
    max_age: int | None = 300,
    attributes: CookieAttributes = DEFAULT_ATTRIBUTES,
) -> dict[str, str]:
    """{name: value} when short; {name.0: ..., name.1: ...} above the chunk size, as Better Auth.

    The chunk size depends on the attributes the cookies will carry (Better Auth sizes the
    Set-Cookie line of ``<name>.99``), so pass the same ones. ``{}`` means the value would
    need more than 100 chunks: Better Auth then sets no cache cookie at all.
    """
    size = chunk_value_size(name, max_age=max_age, attributes=attributes)
    count = math.ceil(len(value) / size) if size > 0 else MAX_CHUNKS + 1
    if count <= 1:
        return {name: value}
    if count > MAX_CHUNKS:
        return {}
    return {f"{name}.{i}": value[i * size : (i + 1) * size] for i in range(count)}


def chunk_value_size(
    name: str, *, max_age: int | None = 300, attributes: CookieAttributes = DEFAULT_ATTRIBUTES
) -> int:
    """Value characters per chunk: CHUNK_SIZE minus the empty ``<name>.99`` Set-Cookie line.

    Mirrors better-call's ``serializeCookie`` (attribute order and spelling matter for the size).
    """
    secure, domain, path, same_site = (
        attributes.secure,
        attributes.domain,
        attributes.path,
        attributes.same_site,
    )
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
    if attributes.http_only:
        line += "; HttpOnly"
    if secure:
        line += "; Secure"
    if same_site:
        line += f"; SameSite={same_site[:1].upper()}{same_site[1:]}"
    if attributes.partitioned:
        line += "; Partitioned"
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
    """The cookie names present in the request that belong to this cookie: the plain name and
    the chunks ``.0`` to ``.99``, the most Better Auth (or this app) ever writes.

    So the caller can clear them, one deletion per name: a request that sends more chunks than
    that (190 of them) gets no deletion for names no server of ours could have set."""
    indices = _chunk_indices(cookies, name)
    found = [name] if name in cookies else []
    return found + [indices[i] for i in sorted(indices) if i < MAX_CHUNKS]


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
