"""The session lifecycle in one place: create, resolve, refresh, revoke, clean up.

This is the only module that creates, reads, refreshes or deletes session rows. It knows the
models and the primitives (tokens, revocation marks), not DRF, cookies or the middleware.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from . import password_binding, revocation, signals
from .client_ip import get_client_ip
from .conf import app_settings
from .models import Session, SessionQuerySet
from .tokens import generate_token, storage_key

USER_AGENT_MAX_LENGTH = 1024


class StalePassword(Exception):
    """The user's password changed between checking it and creating the session (a sign-in
    racing a password change): the session was not kept."""


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


@sensitive_variables("token")
def create_session(
    user: Any, request: HttpRequest | None = None, *, remember: bool = True
) -> tuple[Session, str]:
    """Create a session for ``user``; returns the row and the raw token (shown once, to the
    browser). Sessions without "remember me" last one update-age and are never extended.

    The row is bound to the password ``user`` holds (``password_binding``); if the user row
    no longer holds it once the session exists, the session is removed and
    :class:`StalePassword` raised, so a sign-in racing a password change keeps nothing."""
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
        remember_me=remember,
        password_digest=password_binding.digest(user),
    )
    if _password_changed_since_read(user):
        _revoke([(session.pk, session.token, session.user_id)], "password-changed")
        raise StalePassword
    signals.session_created.send(sender=Session, session=session, request=request)
    return session, token


def _password_changed_since_read(user: Any) -> bool:
    """One query: does the user row still hold the password hash ``user`` was read with?"""
    if not hasattr(user, "password"):
        return False
    model = type(user)
    primary = router.db_for_write(model, instance=user)  # a lagging replica would not know yet
    rows = model._default_manager.using(primary)
    return not rows.filter(pk=user.pk, password=user.password).exists()


def _fetch_session(stored_token: str, using: str) -> Session | None:
    """The session with its user joined, from the database ``using``."""
    try:
        return Session.objects.using(using).select_related("user").get(token=stored_token)
    except Session.DoesNotExist:
        return None


def read_session(stored_token: str, *, primary: bool = False) -> Session | None:
    """The session row, read where ``DATABASE_ROUTERS`` send reads of sessions (a replica).

    Writes go where the routers send writes (the primary), so with a replica the two can
    disagree for as long as replication lags: a session just created is not on the replica yet
    (read it from the primary rather than answer "signed out"), and a session just revoked is
    still there (when a revocation mark covers it, as for cookie-cache hits, the replica's copy
    is not trusted and the primary answers; marks live ``COOKIE_CACHE_MAX_AGE`` + 60 s, the
    bound on tolerated lag). ``primary`` reads the primary only, for reads that decide a write.
    Without routers both aliases are ``default``: one query, no cache call.
    """
    write_alias = router.db_for_write(Session)
    read_alias = write_alias if primary else router.db_for_read(Session)
    if read_alias == write_alias:
        return _fetch_session(stored_token, write_alias)
    session = _fetch_session(stored_token, read_alias)
    if session is None:
        return _fetch_session(stored_token, write_alias)  # not replicated yet
    created_ms = int(session.created_at.timestamp() * 1000)
    if revocation.is_revoked(session.token, session.user_id, created_ms):
        # Revoked on the primary, not yet on the replica (or the marks cannot be read).
        return _fetch_session(stored_token, write_alias)
    return session


def _primary_sessions() -> SessionQuerySet:
    """Sessions on the primary: reads that choose rows to revoke must not miss new ones."""
    return Session.objects.using(router.db_for_write(Session))


def _past_absolute_age(session: Session, now: datetime) -> bool:
    absolute = app_settings.ABSOLUTE_MAX_AGE
    return absolute is not None and now >= session.created_at + timedelta(seconds=absolute)


@sensitive_variables("token")
def resolve_from_db(
    token: str, *, now: datetime | None = None, primary: bool = False
) -> ResolvedSession | None:
    """One query (the session with its user joined), on a replica if the routers say so
    (see :func:`read_session`). An expired row presented is deleted."""
    now = now or timezone.now()
    session = read_session(storage_key(token), primary=primary)
    if session is None:
        return None
    if session.is_expired(now) or _past_absolute_age(session, now):
        Session.objects.filter(pk=session.pk, expires_at=session.expires_at).delete()
        return None
    if not session.user.is_active:
        return None
    if not password_binding.matches(session.password_digest, session.user):
        _revoke([(session.pk, session.token, session.user_id)], "password-changed")
        return None
    return ResolvedSession(token=token, session=session)


def is_revoked(resolved: ResolvedSession) -> bool:
    """For cookie-cache hits only: has the session, or all of its user's, been revoked since?"""
    return revocation.is_revoked(
        resolved.session.token, resolved.session.user_id, resolved.cached_at_ms or 0
    )


def refresh_due(session: Session, now: datetime | None = None) -> bool:
    """Due once the session is ``UPDATE_AGE`` old since its last refresh."""
    now = now or timezone.now()
    window = timedelta(seconds=app_settings.EXPIRES_IN - app_settings.UPDATE_AGE)
    return now >= session.expires_at - window


@sensitive_variables("resolved", "fresh")
def refresh(resolved: ResolvedSession, *, now: datetime | None = None) -> ResolvedSession | None:
    """Slide the expiry forward with a conditional update, so a concurrent refresh writes once
    and a session revoked in the meantime is never brought back. ``None``: the session is gone."""
    now = now or timezone.now()
    if resolved.from_cache:
        fresh = resolve_from_db(resolved.token, now=now, primary=True)
        if fresh is None or not refresh_due(fresh.session, now):
            return fresh
        resolved = fresh
    session = resolved.session
    if not session.remember_me:  # the row decides, whatever cookies the browser sends
        return resolved
    new_expiry = _expires_in(session.created_at, now, app_settings.EXPIRES_IN)
    if new_expiry == session.expires_at:  # pinned by AUTHSESSION_ABSOLUTE_MAX_AGE
        return resolved
    updated = Session.objects.filter(pk=session.pk, expires_at=session.expires_at).update(
        expires_at=new_expiry, updated_at=now
    )
    if not updated:
        # Revoked or refreshed by a concurrent request: the primary has the answer.
        return resolve_from_db(resolved.token, now=now, primary=True)
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


@sensitive_variables("token")
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
    queryset = _primary_sessions().for_user(user_id)
    if except_token is not None:
        queryset = queryset.exclude(token=storage_key(except_token))
    else:
        revocation.mark_user(user_id)
    return _revoke(queryset.values_list("pk", "token", "user_id"), reason)


def revoke_sessions_of_other_passwords(user: Any, *, password_set: bool = False) -> int:
    """End the user's sessions bound to another password state than the user's current one;
    with ``password_set`` (``set_password`` was called) also the unbound ones. One query to
    read the user's sessions, plus the revocation when some are stale."""
    rows = _primary_sessions().for_user(user.pk).values_list(
        "pk", "token", "user_id", "password_digest"
    )
    stale = [
        (pk, token, user_id)
        for pk, token, user_id, stored in rows
        if (password_set and not stored) or not password_binding.matches(stored, user)
    ]
    return _revoke(stale, "password-change")


def list_user_sessions(user_id: Any, *, now: datetime | None = None) -> list[Session]:
    return list(Session.objects.for_user(user_id).active(now or timezone.now()))


@sensitive_variables("token")
def get_user_session(user_id: Any, *, token: str | None = None, pk: Any = None) -> Session | None:
    """One of the user's sessions by raw token or by id; never another user's. Read on the
    primary: the caller revokes what it finds."""
    queryset = _primary_sessions().for_user(user_id)
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
