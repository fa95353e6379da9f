"""Project views used by the tests: a DRF view authenticated by our class, a trivial one, and
plain Django views (sync and async) as a project writes them."""

from typing import Any

from django.contrib.auth import aauthenticate, alogin, authenticate, get_user_model
from django.contrib.auth import alogout as django_alogout
from django.contrib.auth import login as django_login
from django.contrib.auth import logout as django_logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_POST
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from django_authsession.auth import login as authsession_login
from django_authsession.auth import logout as authsession_logout
from django_authsession.authentication import AuthSessionAuthentication
from django_authsession.exceptions import exception_handler
from django_authsession.permissions import RequireFreshSession, fresh_session_required


class MeView(APIView):
    authentication_classes = [AuthSessionAuthentication]
    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        return Response({"email": getattr(request.user, "email", None)})

    def post(self, request: Request) -> Response:
        return Response({"email": getattr(request.user, "email", None), "posted": True})


class PingView(APIView):
    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []

    def get(self, request: Request) -> Response:
        return Response({"ok": True})


class UnavailableView(APIView):
    """Touches the session, then fails: the response must leave cookies alone."""

    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []

    def get(self, request: Request) -> Response:
        getattr(request._request, "auth_session", None)
        return Response({"error": "down"}, status=503)


# Plain Django views of a project, sync and async, over the same session.


def _who(user: Any) -> dict[str, Any]:
    authenticated = bool(user.is_authenticated)
    return {"authenticated": authenticated, "pk": str(user.pk) if authenticated else None}


@login_required
def login_required_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse(_who(request.user))


async def async_auser_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse(_who(await request.auser()))


async def async_user_view(request: HttpRequest) -> JsonResponse:
    """``request.user`` itself (not ``auser()``) inside an async view."""
    return JsonResponse({**_who(request.user), "email": getattr(request.user, "email", None)})


@require_POST
def django_logout_view(request: HttpRequest) -> JsonResponse:
    """A project's own logout view through Django's ``logout()``."""
    django_logout(request)
    return JsonResponse({"logged_out": True})


@require_POST
async def django_alogout_view(request: HttpRequest) -> JsonResponse:
    await django_alogout(request)
    return JsonResponse({"logged_out": True})


@require_POST
def project_login_view(request: HttpRequest) -> JsonResponse:
    """A project's own login flow (say, a magic link) starting an app session."""
    user = get_object_or_404(get_user_model(), pk=request.POST["user"])
    resolved = authsession_login(request, user, remember=request.POST.get("remember") != "0")
    return JsonResponse({"user": str(user.pk), "session": str(resolved.session.pk)})


@require_POST
def project_logout_view(request: HttpRequest) -> JsonResponse:
    authsession_logout(request)
    return JsonResponse({"logged_out": True})


# A project's own login views through Django's login() / alogin(), as projects write them.


def _credentials(request: HttpRequest) -> dict[str, str]:
    return {"username": request.POST["username"], "password": request.POST["password"]}


@require_POST
def django_login_view(request: HttpRequest) -> JsonResponse:
    """``authenticate()`` + ``login()``; ``?remember=0`` ends Django's session with the
    browser, as a "Remember me" box left unticked does."""
    user = authenticate(request, **_credentials(request))
    if user is None:
        return JsonResponse({"logged_in": False}, status=400)
    django_login(request, user)
    if request.POST.get("remember") == "0":
        request.session.set_expiry(0)  # after login(), as django-allauth does it
    return JsonResponse({"logged_in": True, "pk": str(user.pk)})


@require_POST
async def django_alogin_view(request: HttpRequest) -> JsonResponse:
    user = await aauthenticate(request, **_credentials(request))
    if user is None:
        return JsonResponse({"logged_in": False}, status=400)
    await alogin(request, user)
    return JsonResponse({"logged_in": True, "pk": str(user.pk)})


@require_POST
def django_login_then_fail_view(request: HttpRequest) -> HttpResponse:
    """Logs in, then fails: a 5xx response starts no session."""
    user = authenticate(request, **_credentials(request))
    django_login(request, user)
    return HttpResponse("down", status=503)


class FreshView(APIView):
    """A project's sensitive DRF view: a session signed in less than the fresh age ago."""

    authentication_classes = [AuthSessionAuthentication]
    permission_classes = [IsAuthenticated, RequireFreshSession]

    def get_exception_handler(self) -> Any:
        return exception_handler

    def get(self, request: Request) -> Response:
        return Response({"fresh": True})

    def post(self, request: Request) -> Response:
        return Response({"fresh": True})


@fresh_session_required
def fresh_plain_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"fresh": True})


@fresh_session_required
async def fresh_async_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"fresh": True})
