"""Project views used by the tests: a DRF view authenticated by our class, and a trivial one."""

from typing import Any

from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from django_authsession.authentication import AuthSessionAuthentication


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
