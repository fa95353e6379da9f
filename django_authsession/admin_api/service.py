"""What the admin endpoints and the Django admin's actions do, in one place: who may do what
(Django permissions of a staff user, never a role the client sends), banning, and starting and
stopping an impersonation. Views and admin actions only translate :class:`Refused`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from .. import cookies, security, sessions
from ..sessions import ResolvedSession, SessionRefused
from ..state import get_state
from .conf import admin_api_settings
from .models import Ban

__all__ = [
    "ADMIN_SESSION_COOKIE",
    "IMPERSONATE_PERMISSION",
    "LIST_PERMISSION",
    "REVOKE_PERMISSION",
    "Refused",
    "ban",
    "ban_permission",
    "ban_state",
    "impersonate",
    "outranks",
    "refuse_banned",
    "require",
    "stop_impersonating",
    "unban",
]

# The permission each call needs, besides ``is_staff`` (docs/howto/admin-api.md has the table).
LIST_PERMISSION = "django_authsession.view_session"
REVOKE_PERMISSION = "django_authsession.delete_session"
IMPERSONATE_PERMISSION = "authsession_admin_api.impersonate"
# Better Auth's cookie parking the admin's session while impersonating: signed
# "<admin token>:<dont-remember flag>", with the session cookies' attributes.
ADMIN_SESSION_COOKIE = "admin_session"


class Refused(Exception):
    """The call is refused: answered as ``{"message", "code"}`` with ``status``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def ban_permission() -> str:
    """``<app>.change_<model>`` of the project's user model (``accounts.change_user``...)."""
    opts = get_user_model()._meta
    return f"{opts.app_label}.change_{opts.model_name}"


def require(actor: Any, permission: str, code: str, message: str) -> None:
    """An active staff user holding ``permission`` (superusers hold every one), else 403."""
    allowed = (
        getattr(actor, "is_active", False)
        and getattr(actor, "is_staff", False)
        and actor.has_perm(permission)
    )
    if not allowed:
        raise Refused(403, code, message)


def _permissions(user: Any) -> set[str]:
    get_all = getattr(user, "get_all_permissions", None)
    return set(get_all()) if get_all is not None else set()


def outranks(target: Any, actor: Any) -> bool:
    """Does ``target`` hold rights ``actor`` lacks? A superuser outranks everyone who is not
    one; anyone else outranks an actor missing one of their permissions or their staff flag."""
    if getattr(actor, "is_superuser", False):
        return False
    if getattr(target, "is_superuser", False):
        return True
    if getattr(target, "is_staff", False) and not getattr(actor, "is_staff", False):
        return True
    return not _permissions(target) <= _permissions(actor)


def find_user(user_id: str) -> Any:
    """The target user, or 404 ``USER_NOT_FOUND`` as Better Auth answers."""
    from ..adapter import get_adapter

    user = get_adapter().find_user_by_id(user_id)
    if user is None:
        raise Refused(404, "USER_NOT_FOUND", "User not found")
    return user


# -- Bans -------------------------------------------------------------------------------------


def refuse_banned(user: Any) -> None:
    """The sign-in guard: no new session for a banned user. An expired ban is lifted here, as
    Better Auth lifts it. One query per session created; none on requests reading one."""
    found = Ban.objects.filter(user_id=user.pk).first()
    if found is None:
        return
    if not found.is_active():
        Ban.objects.filter(pk=found.pk, expires_at=found.expires_at).delete()
        return
    raise SessionRefused(403, "BANNED_USER", admin_api_settings.BANNED_USER_MESSAGE)


def ban_state(user: Any) -> dict[str, Any]:
    """Better Auth's admin fields of a user object: ``banned``, ``banReason``, ``banExpires``."""
    from ..wire.shapes import iso_ms

    found = Ban.objects.filter(user_id=user.pk).first()
    if found is None or not found.is_active():
        return {"banned": False, "banReason": None, "banExpires": None}
    expires = iso_ms(found.expires_at) if found.expires_at is not None else None
    return {"banned": True, "banReason": found.reason, "banExpires": expires}


def ban(
    actor: Any,
    target: Any,
    *,
    reason: str | None = None,
    expires_in: float | None = None,
    request: HttpRequest | None = None,
) -> Ban:
    """Ban ``target``: every session ends now (cookie caches too) and no new one starts until
    the ban expires or is lifted. Refused for yourself and for a user with more rights."""
    require(actor, ban_permission(), "YOU_ARE_NOT_ALLOWED_TO_BAN_USERS", BAN_REFUSED)
    if target.pk == actor.pk:
        raise Refused(400, "YOU_CANNOT_BAN_YOURSELF", "You cannot ban yourself")
    if outranks(target, actor):
        raise Refused(403, "YOU_CANNOT_BAN_ADMINS", "You cannot ban a user with more rights")
    if expires_in is None:
        expires_in = admin_api_settings.DEFAULT_BAN_EXPIRES_IN
    now = timezone.now()
    found, _ = Ban.objects.update_or_create(
        user_id=target.pk,
        defaults={
            "reason": reason or admin_api_settings.DEFAULT_BAN_REASON,
            "expires_at": now + timedelta(seconds=expires_in) if expires_in else None,
            "banned_by_id": actor.pk,
            "created_at": now,
        },
    )
    sessions.revoke_user_sessions(target.pk, reason="banned", request=request)
    security.log_event(security.USER_BANNED, request, user_id=target.pk, by=actor.pk)
    return found


BAN_REFUSED = "You are not allowed to ban users"


def unban(actor: Any, target: Any) -> None:
    require(actor, ban_permission(), "YOU_ARE_NOT_ALLOWED_TO_BAN_USERS", BAN_REFUSED)
    Ban.objects.filter(user_id=target.pk).delete()


# -- Impersonation ----------------------------------------------------------------------------


@dataclass
class Impersonation:
    """A started impersonation: the new session, and the admin's session parked beside it."""

    resolved: ResolvedSession
    parked_token: str | None  # the admin's own session token, for the admin_session cookie
    parked_max_age: int | None  # its cookie's Max-Age (None: a browser-session cookie)


@sensitive_variables("parked", "token")
def impersonate(request: HttpRequest, actor: Any, target: Any) -> Impersonation:
    """Start a session as ``target`` in this browser, marked as impersonated by ``actor`` and
    lasting ``AUTHSESSION_IMPERSONATION_SESSION_DURATION`` (never extended). The admin's own
    session (if the request has one) stays alive, parked in the ``admin_session`` cookie by
    :func:`park_admin_session`."""
    require(
        actor,
        IMPERSONATE_PERMISSION,
        "YOU_ARE_NOT_ALLOWED_TO_IMPERSONATE_USERS",
        "You are not allowed to impersonate users",
    )
    if target.pk == actor.pk:
        raise Refused(400, "YOU_CANNOT_IMPERSONATE_YOURSELF", "You cannot impersonate yourself")
    if outranks(target, actor):
        raise Refused(403, "YOU_CANNOT_IMPERSONATE_ADMINS", "You cannot impersonate admins")
    if not getattr(target, "is_active", True):
        raise Refused(404, "USER_NOT_FOUND", "User not found")
    state = get_state(request)
    parked = state.get(disable_cookie_cache=True)
    if parked is not None and parked.session.impersonated_by_id is not None:
        # One level only: the parked admin session must be the admin's own.
        raise Refused(
            403,
            "YOU_ARE_NOT_ALLOWED_TO_IMPERSONATE_USERS",
            "Stop impersonating before you impersonate another user",
        )
    try:
        session, token = sessions.create_session(
            target,
            request,
            remember=False,
            lifetime=int(admin_api_settings.IMPERSONATION_SESSION_DURATION),
            impersonated_by=actor,
        )
    except SessionRefused as exc:  # a banned target
        raise Refused(exc.status, exc.code, exc.message) from exc
    resolved = state.start(session, token, remember=False)
    request.auth_session = resolved  # type: ignore[attr-defined]
    request.user = target
    security.log_event(
        security.IMPERSONATION_STARTED, request, user_id=target.pk, by=actor.pk, session=session.pk
    )
    max_age = None
    if parked is not None and parked.session.remember_me:
        remaining = parked.session.expires_at - timezone.now()
        max_age = max(0, int(remaining.total_seconds()))
    return Impersonation(
        resolved=resolved,
        parked_token=parked.token if parked is not None else None,
        parked_max_age=max_age,
    )


@sensitive_variables("impersonation")
def park_admin_session(response: HttpResponseBase, impersonation: Impersonation) -> None:
    """Set the ``admin_session`` cookie (Better Auth's format) when there was a session to
    park; its Max-Age is the admin session's remaining life."""
    if impersonation.parked_token is None:
        return
    remember = "" if impersonation.parked_max_age is not None else "true"
    cookies.set_signed(
        response,
        ADMIN_SESSION_COOKIE,
        f"{impersonation.parked_token}:{remember}",
        max_age=impersonation.parked_max_age,
    )


@sensitive_variables("value", "admin_token")
def stop_impersonating(request: HttpRequest) -> ResolvedSession | None:
    """End this impersonation session; back to the admin's parked session when it is still
    valid and belongs to the admin who impersonated, else signed out. Returns the restored
    session (its cookie then carries the row's own remember-me and remaining life, not a
    browser-session cookie: Better Auth's bug #10734), or ``None``."""
    state = get_state(request)
    current = state.get(disable_cookie_cache=True)
    if current is None:
        raise Refused(401, "UNAUTHORIZED", "Unauthorized")
    admin_id = current.session.impersonated_by_id
    if admin_id is None:
        raise Refused(400, "NOT_IMPERSONATING", "You are not impersonating anyone")
    sessions.revoke_sessions([current.session], reason="stop-impersonating", request=request)
    security.log_event(
        security.IMPERSONATION_STOPPED, request, user_id=current.session.user_id, by=admin_id
    )
    value = cookies.read_signed(request.COOKIES, ADMIN_SESSION_COOKIE)
    admin_token = value.rsplit(":", 1)[0] if value else None
    restored = sessions.resolve_from_db(admin_token, primary=True) if admin_token else None
    if restored is None or str(restored.session.user_id) != str(admin_id):
        state.end()  # nothing to go back to: signed out, every cookie cleared
        request.auth_session = None  # type: ignore[attr-defined]
        return None
    remember = restored.session.remember_me
    resolved = state.start(restored.session, restored.token, remember=remember)
    request.auth_session = resolved  # type: ignore[attr-defined]
    request.user = restored.session.user
    return resolved


def forget_admin_session(request: HttpRequest, response: HttpResponseBase) -> None:
    """Expire the ``admin_session`` cookie (after a stop, or when it is stale)."""
    name = cookies.cookie_name(ADMIN_SESSION_COOKIE)
    if name in request.COOKIES:
        cookies.delete_cookie(response, name)
