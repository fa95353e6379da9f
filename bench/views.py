"""The benchmark's own views: a trivial DRF view as the baseline, and a peer that authenticates
the classic way (``django.contrib.sessions`` + DRF ``SessionAuthentication``) returning the same
user JSON. Mounted by ``bench/urls.py`` only: the example project has no unlimited login."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate, login
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from django_authsession.serializers import user_data


class OkView(APIView):
    """``GET /bench/ok``: no authentication at all."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        return Response({"ok": True})


class PeerLoginView(APIView):
    """``POST /bench/peer-login`` with ``email`` and ``password``: a contrib.sessions login."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    def post(self, request: Request) -> Response:
        data = request.data if isinstance(request.data, dict) else {}
        user = authenticate(
            request._request, username=data.get("email"), password=data.get("password")
        )
        if user is None:
            return Response(
                {"message": "Invalid email or password", "code": "INVALID_EMAIL_OR_PASSWORD"},
                status=401,
            )
        login(request._request, user)
        return Response({"user": user_data(user)})


class PeerSessionView(APIView):
    """``GET /bench/peer-session``: the user JSON through contrib.sessions."""

    authentication_classes = [SessionAuthentication]
    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        return Response(user_data(request.user))
