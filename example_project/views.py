"""The two pages of the example: both are static shells whose JavaScript talks to the API."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe


def _context() -> dict[str, str]:
    """Where the app's URLconf is mounted, for the browser client."""
    return {"auth_base_url": reverse("authsession:session").removesuffix("session")}


def _signed_in(request: HttpRequest) -> bool:
    # ``request.auth_session`` is set by AuthSessionMiddleware: the session, or None.
    return bool(getattr(request, "auth_session", None))


@require_safe
def login_page(request: HttpRequest) -> HttpResponse:
    if _signed_in(request):
        return redirect("profile")
    return render(request, "example_project/login.html", _context())


@require_safe
def profile_page(request: HttpRequest) -> HttpResponse:
    if not _signed_in(request):
        return redirect("login")
    return render(request, "example_project/profile.html", _context())
