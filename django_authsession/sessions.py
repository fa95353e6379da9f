"""The session lifecycle in one place: create, resolve, refresh, revoke, clean up.

This is the only module that creates, reads, refreshes or deletes session rows. It knows the
models and the primitives (tokens, revocation marks), not DRF, cookies or the middleware.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from django.core.exceptions import ValidationError
from django.db import OperationalError, connections, router, transaction
from django.db.models import Q, QuerySet
from django.db.models import signals as model_signals
from django.db.models.base import ModelState
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from . import password_binding, revocation, session_fields, signals
from .client_ip import get_client_ip
from .compiled_query import CompiledQuery
from .conf import REFUSE, app_settings
from .models import Session, SessionQuerySet
from .tokens import generate_token, storage_key
from .wire.shapes import parse_iso

__all__ = [
    "ResolvedSession",
    "SessionLimitReached",
    "SessionRefused",
    "activity_due",
    "add_sign_in_guard",
    "cache_verdict",
    "cleanup_expired",
    "cleanup_idle",
    "create_session",
    "get_user_session",
    "idle_past",
    "is_fresh",
    "is_revoked",
    "list_user_sessions",
    "reauthenticate",
    "record_activity",
    "refresh",
    "refresh_due",
    "resolve_from_db",
    "revoke_sessions",
    "revoke_token",
    "revoke_user_sessions",
    "session_from_cache",
    "set_locator",
    "update_fields",
]

USER_AGENT_MAX_LENGTH = 1024

logger = logging.getLogger(__name__)

# Where a request comes from ({"country", "countryCode", "city"} or None); set by the
# ``django_authsession.activity`` app when it is installed, else no lookup is made.
Locator = Callable[[HttpRequest], "dict[str, Any] | None"]
_locator: Locator | None = None


def set_locator(locator: Locator | None) -> None:
    """Install the function that places a request (``django_authsession.activity`` does)."""
    global _locator
    _locator = locator


_LOCATION_ATTRIBUTE = "_authsession_location"


def _locate(request: HttpRequest | None) -> dict[str, Any] | None:
    """The request's place, or ``None``, looked up once per request; a failing resolver
    never fails the request."""
    if _locator is None or request is None:
        return None
    try:
        found: dict[str, Any] | None = getattr(request, _LOCATION_ATTRIBUTE)
    except AttributeError:
        try:
            found = _locator(request)
        except Exception:
            logger.exception("The location resolver failed: no place for this request.")
            found = None
        setattr(request, _LOCATION_ATTRIBUTE, found)
    return found


class SessionLimitReached(Exception):
    """The user holds ``AUTHSESSION_MAX_SESSIONS_PER_USER`` sessions and the policy is
    ``"refuse"``: no session was created."""


class StalePassword(Exception):
    """The user's password changed between checking it and creating the session (a sign-in
    racing a password change): the session was not kept."""


class SessionRefused(Exception):
    """A sign-in guard refused a session for this user (a banned user, say); views answer it
    as ``{"message", "code"}`` with ``status``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


# Callables ``guard(user)`` run before any session is created (sign-in, sign-up, a project's
# ``auth.login``, impersonation); one raises :class:`SessionRefused` to refuse. Optional apps
# (``django_authsession.admin_api``) add theirs in ``ready()``; none run on a request that only
# reads a session.
SIGN_IN_GUARDS: list[Callable[[Any], None]] = []


def add_sign_in_guard(guard: Callable[[Any], None]) -> None:
    """Register ``guard`` once (``ready()`` may run more than once in tests)."""
    if guard not in SIGN_IN_GUARDS:
        SIGN_IN_GUARDS.append(guard)


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


@sensitive_variables("token")
def create_session(
    user: Any,
    request: HttpRequest | None = None,
    *,
    remember: bool = True,
    how: str = "login",
    lifetime: int | None = None,
    impersonated_by: Any = None,
) -> tuple[Session, str]:
    """Create a session for ``user``; returns the row and the raw token (shown once, to the
    browser). Sessions without "remember me" last one update-age and are never extended.
    ``how`` says how the user signed in (``session_created`` carries it). ``lifetime``
    (seconds) overrides the lifetime; ``impersonated_by`` marks an impersonation session
    started by that admin (a user or its primary key), which the session cap leaves alone.

    Every sign-in guard runs first (:data:`SIGN_IN_GUARDS`, raising :class:`SessionRefused`).
    The row is bound to the password ``user`` holds (``password_binding``); if the user row
    no longer holds it once the session exists, the session is removed and
    :class:`StalePassword` raised, so a sign-in racing a password change keeps nothing.
    With ``AUTHSESSION_MAX_SESSIONS_PER_USER`` the user's least recently active sessions end
    first, or :class:`SessionLimitReached` is raised (``AUTHSESSION_SESSION_LIMIT_POLICY``)."""
    for guard in SIGN_IN_GUARDS:
        guard(user)
    now = timezone.now()
    token = generate_token()
    if lifetime is None:
        lifetime = app_settings.EXPIRES_IN if remember else app_settings.UPDATE_AGE
    fields = {
        "token": storage_key(token),
        "user": user,
        "expires_at": _expires_in(now, now, lifetime),
        "ip_address": get_client_ip(request) if request is not None else "",
        "user_agent": (request.META.get("HTTP_USER_AGENT", "") if request is not None else "")[
            :USER_AGENT_MAX_LENGTH
        ],
        "created_at": now,
        "updated_at": now,
        "remember_me": remember,
        "password_digest": password_binding.digest(user),
        # Signing in is activity; a project without tracking leaves the column empty.
        "last_active_at": now if app_settings.ACTIVITY_INTERVAL is not None else None,
        "location": _locate(request),
        "impersonated_by_id": getattr(impersonated_by, "pk", impersonated_by),
    }
    if app_settings.MAX_SESSIONS_PER_USER is None or impersonated_by is not None:
        session = Session.objects.create(**fields)
    else:
        try:
            session = _create_within_cap(user, request, now, fields)
        except SessionLimitReached:
            signals.session_refused.send(
                sender=Session, user=user, request=request, reason="session-cap"
            )
            raise
    if _password_changed_since_read(user):
        _revoke([(session.pk, session.token, session.user_id)], "password-changed")
        raise StalePassword
    signals.session_created.send(sender=Session, session=session, request=request, how=how)
    return session, token


def _create_within_cap(
    user: Any, request: HttpRequest | None, now: datetime, fields: dict[str, Any]
) -> Session:
    """Create the session so that the user holds at most ``MAX_SESSIONS_PER_USER``: the
    user's row is locked while counting, so concurrent sign-ins of one user take turns and
    none of them counts before another's insert is committed."""
    cap = max(1, app_settings.MAX_SESSIONS_PER_USER or 1)
    alias = router.db_for_write(Session)
    users = user.__class__._default_manager.using(alias)
    with transaction.atomic(using=alias):
        list(users.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))
        active = list(
            Session.objects.using(alias)
            .for_user(user.pk)
            .active(now)
            .order_by(Coalesce("last_active_at", "updated_at").asc(), "created_at")
            .values_list("pk", "token", "user_id")
        )
        excess = len(active) + 1 - cap
        if excess > 0:
            if app_settings.SESSION_LIMIT_POLICY == REFUSE:
                raise SessionLimitReached
            _revoke(active[:excess], "session-cap", request=request)
        return Session.objects.using(alias).create(**fields)


@sensitive_variables("previous", "token")
def reauthenticate(
    current: Session,
    previous: str,
    user: Any,
    request: HttpRequest | None = None,
    *,
    remember: bool = True,
) -> tuple[Session, str] | None:
    """The user of ``current`` (presented with the raw token ``previous``) proved who they are
    again: the same row becomes a session as new as a sign-in's, with a new token, ``created_at``
    now (so it is fresh, see :func:`is_fresh`), a new expiry and the current password state.

    Better Auth's answer to a second sign-in is a second session beside the first; keeping the
    row instead leaves no stale session behind and keeps its place in ``list-sessions``. The
    token is rotated (a sign-in hands out a new one; anyone holding the old one is out), and
    the old token is marked revoked for cookie caches. One conditional update, so a session
    revoked meanwhile is never brought back (``None``: sign in afresh instead)."""
    now = timezone.now()
    token = generate_token()
    lifetime = app_settings.EXPIRES_IN if remember else app_settings.UPDATE_AGE
    fields: dict[str, Any] = {
        "token": storage_key(token),
        "created_at": now,
        "updated_at": now,
        "expires_at": _expires_in(now, now, lifetime),
        "remember_me": remember,
        "password_digest": password_binding.digest(user),
    }
    if request is not None:
        fields["ip_address"] = get_client_ip(request)
        fields["user_agent"] = request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX_LENGTH]
    updated = Session.objects.filter(
        pk=current.pk, token=storage_key(previous), user_id=user.pk
    ).update(**fields)
    if not updated:
        return None
    revocation.mark_sessions([storage_key(previous)])
    for name, value in fields.items():
        setattr(current, name, value)
    if _password_changed_since_read(user):
        _revoke([(current.pk, current.token, current.user_id)], "password-changed")
        raise StalePassword
    signals.session_reauthenticated.send(sender=Session, session=current, request=request)
    return current, token


def update_fields(resolved: ResolvedSession, changes: dict[str, Any]) -> Session | None:
    """Set session fields (``/update-session``): merged into the row's ``data`` under a row
    lock, so two updates of different fields both land, with ``updated_at`` now. Two queries.
    Raises ``session_fields.FieldError`` when the result is too large; ``None``: the session
    is gone (revoked meanwhile: nothing is written)."""
    session = resolved.session
    now = timezone.now()
    alias = router.db_for_write(Session)
    with transaction.atomic(using=alias):
        rows = (
            Session.objects.using(alias)
            .select_for_update()
            .filter(pk=session.pk, token=storage_key(resolved.token), expires_at__gt=now)
        )
        row = rows.values_list("pk", "data").first()
        if row is None:
            return None
        current = row[1]
        data = {**(current if isinstance(current, dict) else {}), **changes}
        session_fields.check_size(data)
        rows.update(data=data, updated_at=now)
    # A new dict: a cache-hit instance shares its fields with the verified-cookie memo.
    session.data = data
    session.updated_at = now
    return session


def is_fresh(session: Session, now: datetime | None = None) -> bool:
    """Signed in (or re-authenticated) less than ``AUTHSESSION_FRESH_AGE`` ago, as Better Auth's
    ``freshSessionMiddleware`` measures it: from ``createdAt``, which the cookie cache carries,
    so the check costs nothing. Always true with ``AUTHSESSION_FRESH_AGE = 0``."""
    fresh_age = app_settings.FRESH_AGE
    if fresh_age == 0:
        return True
    return (now or timezone.now()) - session.created_at < timedelta(seconds=fresh_age)


def _password_changed_since_read(user: Any) -> bool:
    """One query: does the user row still hold the password hash ``user`` was read with?"""
    if not hasattr(user, "password"):
        return False
    model = user.__class__
    primary = router.db_for_write(model, instance=user)  # a lagging replica would not know yet
    rows = model._default_manager.using(primary)
    return not rows.filter(pk=user.pk, password=user.password).exists()


def _fetch_session(stored_token: str, using: str) -> Session | None:
    """The session with its user joined, from the database ``using``."""
    found: Session | None = SESSION_BY_TOKEN.first(stored_token, using)
    return found


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


def _session_by_token(stored_token: str, using: str) -> QuerySet[Session]:
    """The database path's query; ``compiled_query`` runs it without recompiling it."""
    return (
        Session.objects.using(using).select_related("user").filter(token=stored_token).order_by()
    )[:1]


SESSION_BY_TOKEN = CompiledQuery(_session_by_token)


@sensitive_variables("token")
def resolve_from_db(
    token: str,
    *,
    now: datetime | None = None,
    primary: bool = False,
    using: str | None = None,
) -> ResolvedSession | None:
    """One query (the session with its user joined), on a replica if the routers say so
    (see :func:`read_session`), or on the database ``using`` alone. An expired row presented
    is deleted."""
    now = now or timezone.now()
    stored = storage_key(token)
    session = _fetch_session(stored, using) if using else read_session(stored, primary=primary)
    if session is None:
        return None
    if session.is_expired(now) or _past_absolute_age(session, now):
        Session.objects.filter(pk=session.pk, expires_at=session.expires_at).delete()
        return None
    if idle_past(session, now):
        _revoke([(session.pk, session.token, session.user_id)], "idle-timeout")
        return None
    if not session.user.is_active:
        return None
    if not password_binding.matches(session.password_digest, session.user):
        _revoke([(session.pk, session.token, session.user_id)], "password-changed")
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
    (
        "id",
        "token",
        "user_id",
        "expires_at",
        "ip_address",
        "user_agent",
        "created_at",
        "updated_at",
        "last_active_at",
        "location",
        "data",
        "impersonated_by_id",
    )
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
            "last_active_at": parse_iso(data["lastActiveAt"]) if "lastActiveAt" in data else None,
            "location": data.get("location") if isinstance(data.get("location"), dict) else None,
            "data": session_fields.from_cached(data) or None,
            "impersonated_by_id": data.get("impersonatedBy"),
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
    """For cookie-cache hits only: has the session, or all of its user's, been revoked since
    (or can the mark store not vouch for it)?"""
    return cache_verdict(resolved) is not revocation.Verdict.TRUSTED


def cache_verdict(resolved: ResolvedSession) -> revocation.Verdict:
    """For cookie-cache hits only: what the mark store says of it (one cache call)."""
    return revocation.verdict(
        resolved.session.token, resolved.session.user_id, resolved.cached_at_ms or 0
    )


def activity_due(session: Session, now: datetime) -> bool:
    """Is the session's ``last_active_at`` one ``AUTHSESSION_ACTIVITY_INTERVAL`` old? On a
    cookie-cache hit the cookie carries the value it had when it was written."""
    interval = app_settings.ACTIVITY_INTERVAL
    if interval is None:
        return False
    last = session.last_active_at
    return last is None or (now - last).total_seconds() >= interval


def idle_past(session: Session, now: datetime) -> bool:
    """Has the session seen no request for ``AUTHSESSION_IDLE_TIMEOUT``? (Never without one,
    nor for a row whose activity was never recorded.)"""
    timeout = app_settings.IDLE_TIMEOUT
    last = session.last_active_at
    return timeout is not None and last is not None and (now - last).total_seconds() >= timeout


def record_activity(
    resolved: ResolvedSession, now: datetime, request: HttpRequest | None = None
) -> bool:
    """Write ``last_active_at`` (and the request's place) with one conditional update: at most
    one write per interval, whichever workers or requests race for it. ``False``: nothing was
    written (another request just did, or the row is gone)."""
    interval = app_settings.ACTIVITY_INTERVAL
    if interval is None:
        return False
    session = resolved.session
    values: dict[str, Any] = {"last_active_at": now}
    place = _locate(request)
    if place is not None:
        values["location"] = place
    cutoff = now - timedelta(seconds=interval)
    due = Session.objects.filter(
        Q(last_active_at__isnull=True) | Q(last_active_at__lte=cutoff), pk=session.pk
    )
    updated = due.update(**values)
    for name, value in values.items():
        setattr(session, name, value)
    return bool(updated)


def refresh_due(session: Session, now: datetime | None = None) -> bool:
    """Due once the session is ``UPDATE_AGE`` old since its last refresh, and only while a
    refresh would move the expiry (``AUTHSESSION_ABSOLUTE_MAX_AGE`` pins it at the end), so a
    pinned session is served from the cookie cache instead of the database every time."""
    now = now or timezone.now()
    window = timedelta(seconds=app_settings.EXPIRES_IN - app_settings.UPDATE_AGE)
    if now < session.expires_at - window:
        return False
    return _expires_in(session.created_at, now, app_settings.EXPIRES_IN) != session.expires_at


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
    values: dict[str, Any] = {"expires_at": new_expiry, "updated_at": now}
    if app_settings.ACTIVITY_INTERVAL is not None:  # the same write records the activity
        values["last_active_at"] = now
    updated = Session.objects.filter(pk=session.pk, expires_at=session.expires_at).update(**values)
    if not updated:
        # Revoked or refreshed by a concurrent request: the primary has the answer.
        return resolve_from_db(resolved.token, now=now, primary=True)
    for name, value in values.items():
        setattr(session, name, value)
    resolved.refreshed = True
    signals.session_refreshed.send(sender=Session, session=session)
    return resolved


def _revoke(
    rows: Iterable[tuple[Any, str, Any]], reason: str, *, request: HttpRequest | None = None
) -> int:
    """Delete rows given as (pk, stored token, user_id) and mark them revoked for cookie caches."""
    rows = list(rows)
    if not rows:
        return 0
    count, _ = Session.objects.filter(pk__in=[pk for pk, _, _ in rows]).delete()
    by_user: dict[Any, list[Any]] = {}
    for pk, _, user_id in rows:
        by_user.setdefault(user_id, []).append(pk)
    try:
        # Raises MarkStoreUnavailable when cookie caches of these rows may still be honoured.
        revocation.mark_sessions(token for _, token, _ in rows)
    finally:  # the rows are gone either way
        for user_id, pks in by_user.items():
            signals.session_revoked.send(
                sender=Session,
                user_id=user_id,
                count=len(pks),
                reason=reason,
                session_ids=pks,
                request=request,
            )
    return count


def _delete_by_token(stored: str) -> list[tuple[Any, Any]]:
    """Delete the session stored as ``stored``; returns (pk, user_id) of what was deleted.
    One query where the database returns deleted rows (PostgreSQL, SQLite 3.35+), unless a
    project listens to the model's delete signals, which the ORM's delete sends."""
    alias = router.db_for_write(Session)
    connection = connections[alias]
    returning = connection.vendor in ("postgresql", "sqlite") and (
        connection.features.can_return_columns_from_insert
    )
    listened = model_signals.pre_delete.has_listeners(Session) or (
        model_signals.post_delete.has_listeners(Session)
    )
    rows = Session.objects.using(alias)
    if not returning or listened:
        found = list(rows.filter(token=stored).values_list("pk", "user_id"))
        if found:
            rows.filter(pk__in=[pk for pk, _ in found]).delete()
        return found
    quote = connection.ops.quote_name
    meta = Session._meta
    pk_field = meta.get_field("id")
    user_field = meta.get_field("user")
    token_column = quote(str(meta.get_field("token").column))
    returned = f"{quote(str(pk_field.column))}, {quote(str(user_field.column))}"
    sql = (
        f"DELETE FROM {quote(meta.db_table)} WHERE {token_column} = %s "  # noqa: S608
        f"RETURNING {returned}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [stored])
        found = cursor.fetchall()
    target = user_field.target_field
    return [(pk_field.to_python(pk), target.to_python(user_id)) for pk, user_id in found]


@sensitive_variables("token")
def revoke_token(
    token: str, *, reason: str = "sign-out", request: HttpRequest | None = None
) -> int:
    """End the session a raw token belongs to. One query (the delete) on PostgreSQL and
    SQLite. Marks it revoked even when no row was found, so signing out again once the mark
    store is back (after :class:`~.revocation.MarkStoreUnavailable`) ends the copies in
    cookie caches."""
    stored = storage_key(token)
    deleted = _delete_by_token(stored)
    try:
        revocation.mark_sessions([stored])
    finally:
        for pk, user_id in deleted:
            signals.session_revoked.send(
                sender=Session,
                user_id=user_id,
                count=1,
                reason=reason,
                session_ids=[pk],
                request=request,
            )
    return len(deleted)


def revoke_sessions(
    sessions: Iterable[Session], *, reason: str, request: HttpRequest | None = None
) -> int:
    """End the given sessions (admin actions, revoke-session by id)."""
    return _revoke(((s.pk, s.token, s.user_id) for s in sessions), reason, request=request)


def revoke_user_sessions(
    user_id: Any,
    *,
    except_token: str | None = None,
    reason: str = "revoke-sessions",
    request: HttpRequest | None = None,
) -> int:
    """End every session of the user (or every other one, keeping ``except_token``). Ending
    them all also ends the impersonation sessions the user started as an admin: an admin
    banned, deactivated or signed out everywhere keeps no way in through another account.
    When the user's mark cannot be recorded, nothing is deleted and
    :class:`~.revocation.MarkStoreUnavailable` is raised."""
    queryset = _primary_sessions().for_user(user_id)
    if except_token is not None:
        queryset = queryset.exclude(token=storage_key(except_token))
    else:
        revocation.mark_user(user_id)
        queryset = _primary_sessions().filter(Q(user_id=user_id) | Q(impersonated_by_id=user_id))
    return _revoke(queryset.values_list("pk", "token", "user_id"), reason, request=request)


def revoke_sessions_of_other_passwords(
    user: Any, *, password_set: bool = False, request: HttpRequest | None = None
) -> int:
    """End the user's sessions bound to another password state than the user's current one;
    with ``password_set`` (``set_password`` was called) also the unbound ones. When the
    password changed, the impersonation sessions the user started as an admin end too. One
    query to read the sessions, plus the revocation when some are stale."""
    rows = (
        _primary_sessions()
        .filter(Q(user_id=user.pk) | Q(impersonated_by_id=user.pk))
        .values_list("pk", "token", "user_id", "password_digest")
    )
    stale: list[tuple[Any, str, Any]] = []
    started: list[tuple[Any, str, Any]] = []
    for pk, token, user_id, stored in rows:
        if user_id != user.pk:
            started.append((pk, token, user_id))  # someone else's, impersonated by this user
        elif (password_set and not stored) or not password_binding.matches(stored, user):
            stale.append((pk, token, user_id))
    if password_set or stale:
        stale += started
    return _revoke(stale, "password-change", request=request)


def list_user_sessions(
    user_id: Any, *, now: datetime | None = None, include_impersonated: bool = False
) -> list[Session]:
    """The user's active sessions. Impersonation sessions are left out unless asked for, as
    Better Auth's admin plugin leaves them out of the user's own ``/list-sessions``."""
    queryset = Session.objects.for_user(user_id).active(now or timezone.now())
    if not include_impersonated:
        queryset = queryset.filter(impersonated_by__isnull=True)
    return list(queryset)


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


@sensitive_variables("value")
def find_session(value: str) -> Session | None:
    """Any user's session by raw token or by id (the admin's ``revoke-user-session``, whose
    listings carry ids, never tokens). Read on the primary: the caller revokes what it finds."""
    queryset = _primary_sessions()
    try:
        return queryset.get(pk=uuid.UUID(value))
    except (ValueError, TypeError, AttributeError):
        pass  # not an id: a token
    except Session.DoesNotExist:
        return None
    return queryset.filter(token=storage_key(value)).first()


# Cleanup: batches sized by time. A batch's transaction should stay well under the lock budget,
# so that a slow batch (a checkpoint, a busy disk) still fits in it; sizes grow at most 2x a step.
CLEANUP_FIRST_BATCH = 1000
CLEANUP_MAX_BATCH = 1_000_000


@dataclass(frozen=True)
class CleanupProgress:
    """Where a running cleanup stands, passed to ``cleanup_expired``'s ``progress`` callback."""

    deleted: int  # rows deleted so far by this run
    elapsed: float  # seconds since the run started
    batches: int
    longest_batch: float  # seconds, the longest time one batch held its locks
    remaining: int | None = None  # expired rows still to go (an estimate), when counted
    done: bool = False

    @property
    def rate(self) -> float:
        """Rows deleted per second so far."""
        return self.deleted / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        """Seconds still to go at the current rate, when the remaining rows are known."""
        if self.remaining is None or self.rate <= 0:
            return None
        return self.remaining / self.rate


def cleanup_idle(*, batch_size: int = CLEANUP_FIRST_BATCH, dry_run: bool = False) -> int:
    """End the sessions idle past ``AUTHSESSION_IDLE_TIMEOUT`` (none without one) and return
    the count. Batches on the ``last_active_at`` index, each its own transaction; they end as
    on a request (revocation marks, ``session_revoked`` with reason ``"idle-timeout"``)."""
    timeout = app_settings.IDLE_TIMEOUT
    if timeout is None:
        return 0
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1 (got {batch_size})")
    alias = router.db_for_write(Session)
    cutoff = timezone.now() - timedelta(seconds=timeout)
    idle = Session.objects.using(alias).filter(last_active_at__lte=cutoff)
    if dry_run:
        return idle.count()
    skip_locked = connections[alias].features.has_select_for_update_skip_locked
    total = 0
    while True:
        with transaction.atomic(using=alias):
            batch = idle.order_by("last_active_at").values_list("pk", "token", "user_id")
            if skip_locked:  # two runs at once share the rows
                batch = batch.select_for_update(skip_locked=True)
            rows = list(batch[:batch_size])
            total += _revoke(rows, "idle-timeout")
        if len(rows) < batch_size:
            return total


def _next_batch_size(size: int, seconds: float, target: float) -> int:
    """Grow while a batch stays well under the target time, shrink when it does not."""
    scaled = size * target / max(seconds, 1e-4)
    return int(max(1, min(CLEANUP_MAX_BATCH, size * 2, scaled)))


# The advisory lock (classid, objid) a PostgreSQL cleanup batch takes to be the one run that
# deletes the oldest expired rows without locking them first; classid spells "auth".
CLEANUP_LOCK = (0x61757468, 1)
# The longest a lock-free batch waits for a row another transaction holds (a request deleting or
# refreshing that session), as a share of the batch budget, before it is redone with SKIP LOCKED.
CLEANUP_ROW_WAIT_SHARE = 0.1


def _is_lock_timeout(exc: BaseException) -> bool:
    """Whether ``exc`` is PostgreSQL's ``lock_timeout`` firing (SQLSTATE 55P03)."""
    return getattr(exc.__cause__, "sqlstate", None) == "55P03"


@dataclass(frozen=True)
class _Batch:
    """What one cleanup batch did: rows deleted, whether expired rows may be left, and the
    ``expires_at`` below which this run has deleted every row it could (where to go on)."""

    deleted: int
    more: bool
    resume_at: datetime | None = None


def _delete_expired_batch(
    cutoff: datetime,
    limit: int,
    alias: str,
    *,
    resume_at: datetime | None = None,
    row_wait: float = 0.05,
    skip_locked: bool = False,
) -> _Batch:
    """Delete up to ``limit`` of the sessions expired at ``cutoff``, oldest first on the
    ``expires_at`` index, in the caller's transaction. Rows another run holds are skipped where
    the database has ``SKIP LOCKED``; PostgreSQL does better (``_delete_expired_postgresql``)."""
    connection = connections[alias]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            return _delete_expired_postgresql(
                cursor, cutoff, limit, resume_at, row_wait=row_wait, skip_locked=skip_locked
            )
    rows = Session.objects.using(alias)
    batch = rows.filter(expires_at__lte=cutoff).order_by("expires_at").values_list("pk", flat=True)
    features = connection.features
    if features.has_select_for_update_skip_locked:  # MySQL 8, Oracle: lock, then delete by pk
        pks = list(batch.select_for_update(skip_locked=True)[:limit])
        deleted, _ = rows.filter(pk__in=pks).delete()
    elif features.allow_sliced_subqueries_with_in:  # SQLite: writers take turns anyway
        deleted, _ = rows.filter(pk__in=batch[:limit]).delete()
    else:
        deleted, _ = rows.filter(pk__in=list(batch[:limit])).delete()
    return _Batch(deleted, deleted >= limit)


def _delete_expired_postgresql(
    cursor: Any,
    cutoff: datetime,
    limit: int,
    resume_at: datetime | None,
    *,
    row_wait: float,
    skip_locked: bool,
) -> _Batch:
    """One PostgreSQL batch: no row comes back but the bounds of its slice.

    The batch first tries a transaction-scoped advisory lock. The run that gets it deletes the
    next slice of the expired range, ``resume_at <= expires_at < hi`` with ``hi`` the
    ``expires_at`` of the row ``limit`` places on (found on the index), by a plain ``DELETE``:
    no row locks beyond the delete's own and one pass over the rows, about twice as fast as
    locking each row first (bench/cleanup.py). It waits at most ``row_wait`` seconds for a row
    another transaction holds; past that the database raises and the caller redoes the slice
    with ``skip_locked``, leaving the held rows to the next run. A run that does not get the
    lock (another run is in its batch) locks its rows ``FOR UPDATE SKIP LOCKED`` from the newest
    end of the expired range, so two runs meet only at the end, where the lock-free one waits
    for the other at most ``row_wait``."""
    quote = cursor.db.ops.quote_name
    table = quote(Session._meta.db_table)
    column = quote(str(Session._meta.get_field("expires_at").column))
    # No waiting for each batch's commit to reach the disk: after a crash, the rows of the last
    # batches are merely expired again, for the next run to delete.
    cursor.execute(
        "SELECT pg_try_advisory_xact_lock(%s, %s), set_config('lock_timeout', %s, true), "
        "set_config('synchronous_commit', 'off', true)",
        [*CLEANUP_LOCK, f"{max(1, round(row_wait * 1000))}ms"],
    )
    (sole_deleter, _, _) = cursor.fetchone()
    # Quoted names from the model; values go as parameters.
    expired = f"{column} <= %s"
    if sole_deleter and resume_at is not None:
        expired += f" AND {column} >= %s"  # where the last slice ended: no dead rows to wade
    params = [cutoff] if resume_at is None or not sole_deleter else [cutoff, resume_at]
    lock = " FOR UPDATE SKIP LOCKED" if skip_locked or not sole_deleter else ""

    def delete(where: str, where_params: list[Any], order_limit: str = "") -> int:
        if lock or order_limit:  # by physical address, rows picked (and locked) by a subquery
            sql = (
                f"DELETE FROM {table} WHERE ctid = ANY(ARRAY("  # noqa: S608
                f"SELECT ctid FROM {table} WHERE {where}{order_limit}{lock}))"
            )
        else:
            sql = f"DELETE FROM {table} WHERE {where}"  # noqa: S608
        cursor.execute(sql, where_params)
        return int(cursor.rowcount)

    if not sole_deleter:
        deleted = delete(expired, [*params, limit], f" ORDER BY {column} DESC LIMIT %s")
        return _Batch(deleted, deleted >= limit, resume_at)
    cursor.execute(
        f"SELECT min({column}), (SELECT {column} FROM {table} WHERE {expired} "  # noqa: S608
        f"ORDER BY {column} OFFSET %s LIMIT 1) FROM {table} WHERE {expired}",
        [*params, limit, *params],
    )
    first, hi = cursor.fetchone()
    if hi is None:  # at most ``limit`` rows left: all of them
        return _Batch(delete(expired, params), False, None)
    if hi == first:  # more than ``limit`` rows expire at the same instant: ``limit`` of them
        where = f"{column} = %s"
        return _Batch(delete(where, [hi, limit], " LIMIT %s"), True, hi)
    return _Batch(delete(f"{expired} AND {column} < %s", [*params, hi]), True, hi)


def _count_expired_ahead(cutoff: datetime, alias: str) -> int:
    """The expired rows still to go, counted from the oldest one left: the index entries of rows
    deleted so far lie before it, so the count does not wade through them."""
    expired = Session.objects.using(alias).filter(expires_at__lte=cutoff)
    oldest = expired.order_by("expires_at").values_list("expires_at", flat=True).first()
    return 0 if oldest is None else expired.filter(expires_at__gte=oldest).count()


def cleanup_expired(
    *,
    older_than: int = 0,
    dry_run: bool = False,
    batch_size: int | None = None,
    max_batch_seconds: float = 0.5,
    progress: Callable[[CleanupProgress], None] | None = None,
    progress_every: float = 2.0,
) -> int:
    """Delete sessions expired more than ``older_than`` seconds ago and return the count.

    Each batch is its own transaction on the ``expires_at`` index. Its size is set by time: it
    grows while a batch takes well under ``max_batch_seconds`` and shrinks when it does not, so
    no batch holds its row locks for long whatever the hardware; ``batch_size`` fixes the size
    instead. Memory stays flat (no row comes back to Python on PostgreSQL), and two runs at once
    share the work and delete each row once: on PostgreSQL one of them at a time deletes without
    row locks under an advisory lock while the other skips what it holds (``FOR UPDATE SKIP
    LOCKED``, as on other databases that have it), and a row a request holds is waited on for at
    most a tenth of ``max_batch_seconds``. ``progress`` is called every ``progress_every``
    seconds and once at the end; the first call counts the rows still to go, so a run that ends
    quickly never pays for a count.
    Sends ``sessions_cleaned`` (not Django's per-row delete signals on PostgreSQL)."""
    if batch_size is not None and batch_size < 1:
        raise ValueError(f"batch_size must be at least 1 (got {batch_size})")
    cutoff = timezone.now() - timedelta(seconds=older_than)
    alias = router.db_for_write(Session)  # the primary, also for counting: replicas lag
    if dry_run:
        return Session.objects.using(alias).filter(expires_at__lte=cutoff).count()
    target = max_batch_seconds * 0.3  # room for a batch two or three times slower than the last
    row_wait = max_batch_seconds * CLEANUP_ROW_WAIT_SHARE
    size = batch_size or CLEANUP_FIRST_BATCH
    started = time.monotonic()
    next_report = started + progress_every
    total = batches = 0
    longest = 0.0
    remaining_at: tuple[int, int] | None = None  # (rows left, rows deleted) when counted
    resume_at: datetime | None = None
    while True:
        batch_started = time.monotonic()
        try:
            with transaction.atomic(using=alias):
                batch = _delete_expired_batch(
                    cutoff, size, alias, resume_at=resume_at, row_wait=row_wait
                )
        except OperationalError as exc:
            if not _is_lock_timeout(exc):
                raise
            # A request held one of the rows: this batch again, skipping what others hold.
            with transaction.atomic(using=alias):
                batch = _delete_expired_batch(
                    cutoff, size, alias, resume_at=resume_at, row_wait=row_wait, skip_locked=True
                )
        deleted, resume_at = batch.deleted, batch.resume_at
        now = time.monotonic()
        seconds = now - batch_started
        longest = max(longest, seconds)
        total += deleted
        batches += 1
        if not batch.more:
            break
        if batch_size is None:
            size = _next_batch_size(size, seconds, target)
        if progress is not None and now >= next_report:
            if remaining_at is None:
                remaining_at = (_count_expired_ahead(cutoff, alias), total)
            remaining = max(0, remaining_at[0] - (total - remaining_at[1]))
            progress(CleanupProgress(total, now - started, batches, longest, remaining))
            next_report = now + progress_every
    if progress is not None:
        progress(CleanupProgress(total, time.monotonic() - started, batches, longest, 0, True))
    signals.sessions_cleaned.send(sender=Session, count=total)
    return total
