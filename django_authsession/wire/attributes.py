"""The attributes every session cookie carries, in one frozen object: cookies are written with
it and cookie-cache chunks are sized with it, so the two cannot drift apart."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SECURE_PREFIX", "CookieAttributes"]

SECURE_PREFIX = "__Secure-"


@dataclass(frozen=True)
class CookieAttributes:
    """``HttpOnly; SameSite=Lax; Path=/`` (CONTRACT.md §3), ``Secure`` when asked for; the
    ``SameSite``, ``Domain`` and ``Partitioned`` a deployment chooses (Better Auth's
    ``defaultCookieAttributes`` and ``crossSubDomainCookies``)."""

    secure: bool = False
    path: str = "/"
    domain: str | None = None
    same_site: str | None = "Lax"
    http_only: bool = True
    partitioned: bool = False

    def name(self, prefix: str, suffix: str) -> str:
        """``<prefix>.<suffix>``, with ``__Secure-`` in front when the cookie is secure."""
        name = f"{prefix}.{suffix}"
        return f"{SECURE_PREFIX}{name}" if self.secure else name
