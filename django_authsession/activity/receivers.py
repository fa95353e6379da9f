"""Receivers of the core's signals (and Django's auth signals) that write the security history
and the known devices: every path that changes an account's sessions sends one of these, so
nothing here hooks a view."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth import get_user_model, user_logged_in, user_login_failed
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from .. import signals
from ..adapter import get_adapter
from ..client_ip import get_client_ip
from ..device_cookie import REQUEST_ATTRIBUTE as DEVICE_ATTRIBUTE
from ..device_cookie import Device, read_device
from ..models import Session
from ..state import STATE_ATTRIBUTE
from . import notify
from .conf import activity_settings
from .events import new_device_sign_in, record
from .models import Actor, EventType, KnownDevice

logger = logging.getLogger(__name__)

# How this request's session started ("email", "sign-up", ...), for the new-device check.
HOW_ATTRIBUTE = "_authsession_how"
# Revocations the session's owner asked for (from one of their sessions, or by signing in).
SELF_REASONS = frozenset(
    {
        "sign-out",
        "replaced",
        "revoke-session",
        "revoke-other-sessions",
        "revoke-sessions",
        "password-change",
        "failed",
    }
)
# Revocations by a rule, whatever request triggered them.
SYSTEM_REASONS = frozenset({"idle-timeout", "session-cap", "password-changed"})
UID = "authsession_activity."


def connect() -> None:
    signals.session_created.connect(on_session_created, dispatch_uid=UID + "created")
    signals.session_reauthenticated.connect(
        on_session_reauthenticated, dispatch_uid=UID + "reauthenticated"
    )
    signals.session_revoked.connect(on_session_revoked, dispatch_uid=UID + "revoked")
    signals.session_refused.connect(on_session_refused, dispatch_uid=UID + "refused")
    signals.password_changed.connect(on_password_changed, dispatch_uid=UID + "password")
    signals.account_locked_out.connect(on_account_locked_out, dispatch_uid=UID + "lockout")
    user_login_failed.connect(on_login_failed, dispatch_uid=UID + "failed")
    # After the core's own user_logged_in receiver, which remembers the device.
    user_logged_in.connect(on_logged_in, dispatch_uid=UID + "logged_in")


def _request_session(request: HttpRequest) -> Session | None:
    """The session this request resolved or started, if it did (reads nothing)."""
    state = getattr(request, STATE_ATTRIBUTE, None)
    outcome = state.outcome if state is not None else None
    resolved = outcome.resolved if outcome is not None else None
    return resolved.session if resolved is not None else None


def _actor(
    request: HttpRequest | None, owner_id: Any, reason: str | None = None
) -> tuple[str, Any, Any]:
    """(actor, the acting user's id when not the owner, the owner's session that did it)."""
    if request is None or reason in SYSTEM_REASONS:
        return Actor.SYSTEM, None, None
    session = _request_session(request)
    if session is not None and str(session.user_id) == str(owner_id):
        return Actor.USER, None, session.pk
    if reason in SELF_REASONS:
        return Actor.USER, None, None
    who = getattr(request, "user", None)  # an administrator: the admin loaded its user
    if who is not None and getattr(who, "is_authenticated", False):
        if str(who.pk) == str(owner_id):
            return Actor.USER, None, None
        return Actor.ADMIN, who.pk, None
    return Actor.SYSTEM, None, None


def on_session_created(
    sender: Any, session: Session, request: HttpRequest | None = None, how: str = "login", **kw: Any
) -> None:
    record(
        EventType.SIGN_IN,
        session.user_id,
        request=request,
        session_ids=[session.pk],
        location=session.location,
        how=how,
    )
    if request is None:
        return
    setattr(request, HOW_ATTRIBUTE, how)
    if how == "change-password":  # the browser was signed in already: it is known
        device = read_device(request)
        if device is not None:
            _see_device(request, session.user, device, session.location)


def on_session_reauthenticated(
    sender: Any, session: Session, request: HttpRequest | None = None, **kw: Any
) -> None:
    """Signing in again from a browser that holds the user's session renews that session in
    place: still a sign-in in the history (``how`` says so)."""
    on_session_created(sender, session, request=request, how="reauthenticated")


def on_session_revoked(
    sender: Any,
    user_id: Any,
    count: int,
    reason: str,
    session_ids: list[Any] | None = None,
    request: HttpRequest | None = None,
    **kw: Any,
) -> None:
    if user_id is None or reason == "user-deleted":  # the history goes with the user
        return
    actor, actor_id, by_session = _actor(request, user_id, reason)
    signed_out = reason == "sign-out"
    record(
        EventType.SIGN_OUT if signed_out else EventType.SESSION_REVOKED,
        user_id,
        request=request,
        actor=actor,
        actor_id=actor_id,
        session_ids=session_ids or [None],
        reason=None if signed_out else reason,
        by_session=str(by_session) if by_session is not None else None,
    )


def on_session_refused(
    sender: Any, user: Any, request: HttpRequest | None = None, reason: str = "", **kw: Any
) -> None:
    record(EventType.SIGN_IN_REFUSED, user.pk, request=request, reason=reason)


def on_password_changed(
    sender: Any, user: Any, request: HttpRequest | None = None, **kw: Any
) -> None:
    actor, actor_id, by_session = _actor(request, user.pk)
    record(
        EventType.PASSWORD_CHANGED,
        user.pk,
        request=request,
        actor=actor,
        actor_id=actor_id,
        session_ids=[by_session],
    )


def on_account_locked_out(sender: Any, email: str, request: HttpRequest, **kw: Any) -> None:
    user = get_adapter().find_user_by_email(email)
    if user is not None:
        record(EventType.LOCKOUT, user.pk, request=request, actor=Actor.SYSTEM)


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kw: Any
) -> None:
    """Django's ``authenticate()`` failed (the sign-in endpoint, the admin's login form, any
    login view): recorded for an account that exists, never for an unknown name."""
    model = get_user_model()
    username = credentials.get(model.USERNAME_FIELD, credentials.get("username"))
    if not isinstance(username, str) or not username:
        return
    try:
        user = model._default_manager.get_by_natural_key(username)
    except (model.DoesNotExist, model.MultipleObjectsReturned, ValueError):
        return
    record(EventType.SIGN_IN_FAILED, user.pk, request=request, actor=Actor.UNKNOWN)


def on_logged_in(sender: Any, request: Any, user: Any, **kw: Any) -> None:
    """A sign-in (any path through ``login()``): the browser's device is known from now on;
    if it was not, that is a new-device sign-in."""
    request = getattr(request, "_request", request)
    device: Device | None = getattr(request, DEVICE_ATTRIBUTE, None)
    if request is None or device is None or getattr(user, "pk", None) is None:
        return
    session = _request_session(request)
    place = session.location if session is not None else None
    known = _see_device(request, user, device, place)
    if known is None or getattr(request, HOW_ATTRIBUTE, None) == "sign-up":
        return  # known already, or the account's first device
    (event,) = record(
        EventType.NEW_DEVICE,
        user.pk,
        request=request,
        session_ids=[session.pk if session is not None else None],
        location=place,
        device=known.name,
    )
    new_device_sign_in.send(
        sender=KnownDevice, user=user, device=known, request=request, event=event
    )
    if activity_settings.NOTIFY_NEW_DEVICE:
        notify.new_device_mail(user, known, event, request)


def _see_device(
    request: HttpRequest, user: Any, device: Device, place: dict[str, Any] | None
) -> KnownDevice | None:
    """Update the user's record of this browser; create it when there is none and return it
    (``None``: the browser was known). One query for a known browser."""
    now = timezone.now()
    values: dict[str, Any] = {
        "user_agent": request.META.get("HTTP_USER_AGENT", "")[:1024],
        "ip_address": get_client_ip(request),
        "last_seen_at": now,
    }
    if place is not None:
        values["location"] = place
    rows = KnownDevice.objects.filter(user_id=user.pk, device_id=device.device_id)
    if rows.update(**values):
        return None
    try:
        with transaction.atomic():
            return KnownDevice.objects.create(
                user_id=user.pk, device_id=device.device_id, first_seen_at=now, **values
            )
    except IntegrityError:  # a concurrent sign-in from the same browser recorded it
        return None
