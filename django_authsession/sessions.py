"""The session lifecycle in one place: create, resolve, refresh, revoke, clean up.

This is the only module that creates, reads, refreshes or deletes session rows. It knows the
models and the primitives (tokens, revocation marks), not DRF, cookies or the middleware.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.db.models import QuerySet
from django.db.models.base import ModelState
from django.http import HttpRequest
from django.utils import timezone

from . import revocation, signals
from .client_ip import get_client_ip
from .compiled_query import CompiledQuery
from .conf import app_settings
from .models import Session
from .tokens import generate_token, storage_key
from .wire.shapes import parse_iso

__all__ = [
    "ResolvedSession",
    "cleanup_expired",
    "create_session",
    "get_user_session",
    "is_revoked",
    "list_user_sessions",
    "refresh",
    "refresh_due",
    "resolve_from_db",
    "revoke_sessions",
    "revoke_token",
    "revoke_user_sessions",
    "session_from_cache",
]

USER_AGENT_MAX_LENGTH = 1024


@dataclass
class ResolvedSession:
    """A valid session as seen by one request.

    ``session`` is a saved row on the database path; on a cookie-cache hit it is an unsaved
    instance rebuilt from the cookie, and ``cached_user`` holds the user object the cookie carried
    (so answering needs no query; touching ``session.user`` loads the row lazily).
    """

    token: str = field(repr=False)  # never in a log line or a traceback's locals
    session: Session
    cached_user: dict[str, Any] | None = None
    cached_at_ms: int | None = None
    # On a cache hit, Better Auth's session object as the cookie carried it (answers are built
    # from it, with no datetime round trip).
    cached_session: dict[str, Any] | None = field(default=None, repr=False)
    refreshed: bool = False
    serialized_user: dict[str, Any] | None = None  # memo: serialized once per request

    @property
    def from_cache(self) -> bool:
        return self.cached_user is not None


def _expires_in(created_at: datetime, now: datetime, seconds: int) -> datetime:
    expires = now + timedelta(seconds=seconds)
    absolute = app_settings.ABSOLUTE_MAX_AGE
    if absolute is not None:
        expires = min(expires, created_at + timedelta(seconds=absolute))
    return expires


def create_session(
    user: Any, request: HttpRequest | None = None, *, remember: bool = True
) -> tuple[Session, str]:
    """Create a session for ``user``; returns the row and the raw token (shown once, to the
    browser). Sessions without "remember me" last one update-age and are never extended."""
    now = timezone.now()
    token = generate_token()
    lifetime = app_settings.EXPIRES_IN if remember else app_settings.UPDATE_AGE
    session = Session.objects.create(
        token=storage_key(token),
        user=user,
        expires_at=_expires_in(now, now, lifetime),
        ip_address=get_client_ip(request) if request is not None else "",
        user_agent=(request.META.get("HTTP_USER_AGENT", "") if request is not None else "")[
            :USER_AGENT_MAX_LENGTH
        ],
        created_at=now,
        updated_at=now,
    )
    signals.session_created.send(sender=Session, session=session, request=request)
    return session, token


def _past_absolute_age(session: Session, now: datetime) -> bool:
    absolute = app_settings.ABSOLUTE_MAX_AGE
    return absolute is not None and now >= session.created_at + timedelta(seconds=absolute)


def _session_by_token(stored_token: str, using: str) -> QuerySet[Session]:
    """The database path's query; ``compiled_query`` runs it without recompiling it."""
    return (
        Session.objects.using(using).select_related("user").filter(token=stored_token).order_by()
    )[:1]


SESSION_BY_TOKEN = CompiledQuery(_session_by_token)


def resolve_from_db(
    token: str, *, now: datetime | None = None, using: str | None = None
) -> ResolvedSession | None:
    """One query (the session with its user joined), on ``using`` or the router's read database.
    An expired row presented is deleted."""
    now = now or timezone.now()
    session: Session | None = SESSION_BY_TOKEN.first(
        storage_key(token), using or router.db_for_read(Session)
    )
    if session is None:
        return None
    if session.is_expired(now) or _past_absolute_age(session, now):
        Session.objects.filter(pk=session.pk, expires_at=session.expires_at).delete()
        return None
    if not session.user.is_active:
        return None
    return ResolvedSession(token=token, session=session)


@lru_cache(maxsize=1)
def _cache_row_template() -> tuple[tuple[str, Any], ...]:
    """Session's concrete fields in order: the attname, and for a column the cookie cache does
    not carry (one added by a later migration) the field, whose default it gets."""
    return tuple(
        (f.attname, None if f.attname in _FROM_CACHE else f) for f in Session._meta.concrete_fields
    )


_FROM_CACHE = frozenset(
    ("id", "token", "user_id", "expires_at", "ip_address", "user_agent", "created_at", "updated_at")
)


def session_from_cache(data: Any, token: str, memo: dict[str, Any] | None = None) -> Session:
    """An unsaved ``Session`` rebuilt from a cookie-cache session object (no query).

    Built as unpickling builds an instance (its field values and a fresh ``ModelState``): the
    ``Model.__init__`` path costs more than the rest of a cache hit. ``memo``, kept with a
    verified cookie value, holds the parsed fields for the next request with the same cookie.
    Raises ``KeyError``/``TypeError``/``ValueError`` when the object is not a session."""
    row = memo.get("session_row") if memo is not None else None
    if row is None:
        if not isinstance(data, dict):
            raise TypeError("session must be an object")
        values = {
            "id": uuid.UUID(str(data["id"])),
            "token": storage_key(token),
            "user_id": data["userId"],
            "expires_at": parse_iso(data["expiresAt"]),
            "ip_address": str(data.get("ipAddress") or ""),
            "user_agent": str(data.get("userAgent") or ""),
            "created_at": parse_iso(data["createdAt"]),
            "updated_at": parse_iso(data["updatedAt"]),
        }
        row = {name: values.get(name) for name, _ in _cache_row_template()}
        if memo is not None:
            memo["session_row"] = row
    session: Session = Session.__new__(Session)
    fields = session.__dict__
    fields.update(row)
    for name, f in _cache_row_template():
        if f is not None:  # a column the cookie does not carry: its default, fresh each time
            fields[name] = f.get_default()
    fields["_state"] = ModelState()
    return session


def is_revoked(resolved: ResolvedSession) -> bool:
    """For cookie-cache hits only: has the session, or all of its user's, been revoked since?"""
    return revocation.is_revoked(
        resolved.session.token, resolved.session.user_id, resolved.cached_at_ms or 0
    )


def refresh_due(session: Session, now: datetime | None = None) -> bool:
    """Due once the session is ``UPDATE_AGE`` old since its last refresh, and only while a
    refresh would move the expiry (``AUTHSESSION_ABSOLUTE_MAX_AGE`` pins it at the end), so a
    pinned session is served from the cookie cache instead of the database every time."""
    now = now or timezone.now()
    window = timedelta(seconds=app_settings.EXPIRES_IN - app_settings.UPDATE_AGE)
    if now < session.expires_at - window:
        return False
    return _expires_in(session.created_at, now, app_settings.EXPIRES_IN) != session.expires_at


def refresh(resolved: ResolvedSession, *, now: datetime | None = None) -> ResolvedSession | None:
    """Slide the expiry forward with a conditional update, so a concurrent refresh writes once
    and a session revoked in the meantime is never brought back. ``None``: the session is gone."""
    now = now or timezone.now()
    if resolved.from_cache:
        fresh = resolve_from_db(resolved.token, now=now)
        if fresh is None or not refresh_due(fresh.session, now):
            return fresh
        resolved = fresh
    session = resolved.session
    new_expiry = _expires_in(session.created_at, now, app_settings.EXPIRES_IN)
    if new_expiry == session.expires_at:  # pinned by AUTHSESSION_ABSOLUTE_MAX_AGE
        return resolved
    updated = Session.objects.filter(pk=session.pk, expires_at=session.expires_at).update(
        expires_at=new_expiry, updated_at=now
    )
    if not updated:
        # Revoked or refreshed by a concurrent request: the database has the answer.
        return resolve_from_db(resolved.token, now=now)
    session.expires_at = new_expiry
    session.updated_at = now
    resolved.refreshed = True
    signals.session_refreshed.send(sender=Session, session=session)
    return resolved


def _revoke(rows: Iterable[tuple[Any, str, Any]], reason: str) -> int:
    """Delete rows given as (pk, stored token, user_id) and mark them revoked for cookie caches."""
    rows = list(rows)
    if not rows:
        return 0
    count, _ = Session.objects.filter(pk__in=[pk for pk, _, _ in rows]).delete()
    revocation.mark_sessions(token for _, token, _ in rows)
    for user_id, user_count in Counter(user_id for _, _, user_id in rows).items():
        signals.session_revoked.send(
            sender=Session, user_id=user_id, count=user_count, reason=reason
        )
    return count


def revoke_token(token: str, *, reason: str = "sign-out") -> int:
    """End the session a raw token belongs to. One query (the delete)."""
    stored = storage_key(token)
    count, _ = Session.objects.filter(token=stored).delete()
    revocation.mark_sessions([stored])
    if count:
        signals.session_revoked.send(sender=Session, user_id=None, count=count, reason=reason)
    return count


def revoke_sessions(sessions: Iterable[Session], *, reason: str) -> int:
    """End the given sessions (admin actions, revoke-session by id)."""
    return _revoke(((s.pk, s.token, s.user_id) for s in sessions), reason)


def revoke_user_sessions(
    user_id: Any, *, except_token: str | None = None, reason: str = "revoke-sessions"
) -> int:
    """End every session of the user (or every other one, keeping ``except_token``)."""
    queryset = Session.objects.for_user(user_id)
    if except_token is not None:
        queryset = queryset.exclude(token=storage_key(except_token))
    else:
        revocation.mark_user(user_id)
    return _revoke(queryset.values_list("pk", "token", "user_id"), reason)


def list_user_sessions(user_id: Any, *, now: datetime | None = None) -> list[Session]:
    return list(Session.objects.for_user(user_id).active(now or timezone.now()))


def get_user_session(user_id: Any, *, token: str | None = None, pk: Any = None) -> Session | None:
    """One of the user's sessions by raw token or by id; never another user's."""
    queryset = Session.objects.for_user(user_id)
    try:
        if token is not None:
            return queryset.get(token=storage_key(token))
        return queryset.get(pk=pk)
    except (Session.DoesNotExist, ValidationError, ValueError, TypeError):
        return None  # unknown, another user's, or an id that is not a UUID


def cleanup_expired(*, batch_size: int = 1000, older_than: int = 0, dry_run: bool = False) -> int:
    """Delete sessions expired more than ``older_than`` seconds ago, ``batch_size`` rows per short
    transaction, so memory stays flat and two runs at once do no harm. Returns the count."""
    cutoff = timezone.now() - timedelta(seconds=older_than)
    expired = Session.objects.filter(expires_at__lte=cutoff)
    if dry_run:
        return expired.count()
    alias = router.db_for_write(Session)
    sliced_subqueries = connections[alias].features.allow_sliced_subqueries_with_in
    total = 0
    while True:
        batch = expired.order_by("expires_at").values("pk")[:batch_size]
        with transaction.atomic(using=alias):
            if sliced_subqueries:
                deleted, _ = Session.objects.filter(pk__in=batch).delete()
            else:
                deleted, _ = Session.objects.filter(pk__in=list(batch)).delete()
        total += deleted
        if deleted < batch_size:
            break
    signals.sessions_cleaned.send(sender=Session, count=total)
    return total
