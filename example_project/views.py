"""The example's pages: sign-in, sign-up and an account page.

Sign-in and sign-up are static forms whose JavaScript calls the API. The account page is rendered
on the server from the request's session (``request.auth_session``): the profile and the list of
the user's devices, with buttons that call the API's revoke and sign-out endpoints. The session
token never reaches the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.apps import apps
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince
from django.views.decorators.http import require_safe

from django_authsession import sessions
from django_authsession.device_cookie import read_device
from django_authsession.devices import describe_device


def _context() -> dict[str, Any]:
    """Where the app's URLconf is mounted, for the browser client."""
    return {"auth_base_url": reverse("authsession:session").removesuffix("session")}


def _signed_in(request: HttpRequest) -> bool:
    # ``request.auth_session`` is set by AuthSessionMiddleware: the session, or None.
    return bool(getattr(request, "auth_session", None))


@dataclass(frozen=True)
class Profile:
    """What the account page shows of a user, for any user model: each field comes from the
    model's attribute of that name when there is one."""

    name: str
    email: str
    initials: str
    avatar: str | None
    type: str | None
    profession: str | None

    @classmethod
    def of(cls, user: Any) -> Profile:
        email = str(getattr(user, user.get_email_field_name(), "") or "")
        name = str(getattr(user, "name", "") or user.get_full_name() or user.get_username())
        avatar = getattr(user, "avatar", None) or None
        if avatar and not str(avatar).startswith(("https://", "http://", "/")):
            avatar = None  # only image URLs go into src
        words = [word for word in name.replace("@", " ").split() if word[:1].isalnum()]
        initials = "".join(word[0] for word in words[:2]).upper() or "?"
        return cls(
            name=name,
            email=email,
            initials=initials,
            avatar=avatar,
            type=getattr(user, "type", None) or None,
            profession=getattr(user, "profession", None) or None,
        )


def _ago(moment: datetime) -> str:
    if timezone.now() - moment < timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment)} ago"


@dataclass(frozen=True)
class Device:
    """One of the user's sessions, as the account page lists it."""

    id: str
    name: str  # "Firefox on Windows · Berlin, Germany" when the place is known
    ip_address: str | None
    created_at: datetime
    last_active: datetime
    current: bool

    @property
    def last_active_ago(self) -> str:
        return _ago(self.last_active)


def _devices(user_id: Any, current_id: Any) -> list[Device]:
    devices = [
        Device(
            id=str(row.pk),
            name=describe_device(row.user_agent, row.location),
            ip_address=row.ip_address,
            created_at=row.created_at,
            # The last request, to within AUTHSESSION_ACTIVITY_INTERVAL (with the activity
            # app); else the last refresh.
            last_active=row.last_active,
            current=str(row.pk) == str(current_id),
        )
        for row in sessions.list_user_sessions(user_id)
    ]
    # This device first, then the most recently active.
    devices.sort(key=lambda device: device.last_active, reverse=True)
    devices.sort(key=lambda device: not device.current)
    return devices


@dataclass(frozen=True)
class Activity:
    """One entry of "Recent security activity"."""

    summary: str
    device: str
    ip_address: str
    at: datetime

    @property
    def ago(self) -> str:
        return _ago(self.at)


@dataclass(frozen=True)
class KnownBrowser:
    """A browser the account has signed in from, with "Forget"."""

    id: str
    name: str
    last_seen: datetime
    current: bool

    @property
    def last_seen_ago(self) -> str:
        return _ago(self.last_seen)


def _history(request: HttpRequest, user_id: Any) -> dict[str, Any]:
    """Recent security activity and known devices, when the project installs the app."""
    if not apps.is_installed("django_authsession.activity"):
        return {}
    from django_authsession.activity.events import recent_events
    from django_authsession.activity.models import KnownDevice

    this = read_device(request)
    return {
        "activity": [
            Activity(event.summary, event.device, event.ip_address, event.created_at)
            for event in recent_events(user_id, limit=10)
        ],
        "known_devices": [
            KnownBrowser(
                id=str(row.pk),
                name=describe_device(row.user_agent, row.location),
                last_seen=row.last_seen_at,
                current=this is not None and row.device_id == this.device_id,
            )
            for row in KnownDevice.objects.filter(user_id=user_id).order_by("-last_seen_at")
        ],
    }


@require_safe
def login_page(request: HttpRequest) -> HttpResponse:
    if _signed_in(request):
        return redirect("profile")
    return render(request, "example_project/login.html", _context())


@require_safe
def signup_page(request: HttpRequest) -> HttpResponse:
    if _signed_in(request):
        return redirect("profile")
    return render(request, "example_project/signup.html", _context())


@require_safe
def profile_page(request: HttpRequest) -> HttpResponse:
    resolved = getattr(request, "auth_session", None)
    if not resolved:
        return redirect("login")
    session = resolved.session
    context = _context()
    context["profile"] = Profile.of(session.user)
    context["devices"] = _devices(session.user_id, session.pk)
    context["is_staff"] = bool(getattr(session.user, "is_staff", False))  # the admin link
    context.update(_history(request, session.user_id))
    response = render(request, "example_project/profile.html", context)
    response["Cache-Control"] = "no-store"  # a signed-out reload must not show a cached page
    return response
