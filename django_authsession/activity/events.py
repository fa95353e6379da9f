"""Recording the security history: one function, :func:`record`, used by every receiver,
and the signals a project forwards to its SIEM."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.db import router, transaction
from django.dispatch import Signal
from django.http import HttpRequest
from django.utils import timezone

from .. import sessions
from ..client_ip import get_client_ip
from .models import Actor, EventType, SecurityEvent

__all__ = [
    "Actor",
    "EventType",
    "delete_old_events",
    "new_device_sign_in",
    "recent_events",
    "record",
    "security_event",
]

#: sender=SecurityEvent; event=the saved SecurityEvent (every type, once each): forward it to a
#: SIEM. Sent after the row is written, in the same transaction.
security_event = Signal()
#: sender=KnownDevice; user=the user, device=the new KnownDevice, request=HttpRequest,
#: event=the SecurityEvent: the account was signed in to from a browser it had not used.
new_device_sign_in = Signal()

USER_AGENT_MAX_LENGTH = 1024


def record(
    type: str,
    user_id: Any,
    *,
    request: HttpRequest | None = None,
    actor: str = Actor.USER,
    actor_id: Any = None,
    session_ids: Iterable[Any] = (None,),
    location: dict[str, Any] | None = None,
    **details: Any,
) -> list[SecurityEvent]:
    """Write one event per session id (one row for none), with where the request came from,
    and send ``security_event`` for each. ``details`` must hold no secret."""
    ip = user_agent = ""
    if request is not None:
        ip = get_client_ip(request)
        user_agent = request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX_LENGTH]
        if location is None:
            location = sessions._locate(request)
    now = timezone.now()
    rows = [
        SecurityEvent(
            user_id=user_id,
            type=type,
            created_at=now,
            actor=actor,
            actor_id="" if actor_id is None else str(actor_id),
            session_id=session_id,
            ip_address=ip,
            user_agent=user_agent,
            location=location,
            details={k: v for k, v in details.items() if v is not None},
        )
        for session_id in session_ids
    ]
    if len(rows) == 1:
        rows[0].save(force_insert=True)
    else:
        rows = SecurityEvent.objects.bulk_create(rows)
    for row in rows:
        security_event.send(sender=SecurityEvent, event=row)
    return rows


def recent_events(user_id: Any, limit: int = 10) -> list[SecurityEvent]:
    """The user's latest events, newest first (for an account page)."""
    rows = SecurityEvent.objects.filter(user_id=user_id).order_by("-created_at", "-id")
    return list(rows[:limit])


def delete_old_events(*, days: int, batch_size: int = 5000, dry_run: bool = False) -> int:
    """Delete the events older than ``days`` days, oldest first on the time index, in batches
    of their own transaction (as ``cleanup_sessions`` deletes sessions); returns the count."""
    cutoff = timezone.now() - timedelta(days=days)
    alias = router.db_for_write(SecurityEvent)
    old = SecurityEvent.objects.using(alias).filter(created_at__lt=cutoff)
    if dry_run:
        return old.count()
    total = 0
    while True:
        with transaction.atomic(using=alias):
            batch = old.order_by("created_at").values_list("pk", flat=True)[:batch_size]
            deleted, _ = SecurityEvent.objects.using(alias).filter(pk__in=list(batch)).delete()
        total += deleted
        if deleted < batch_size:
            return total
