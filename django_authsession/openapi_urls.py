"""The OpenAPI schema of the app's endpoints (``django-authsession[openapi]``).

Include it beside the app's URLs::

    path("api/auth/", include("django_authsession.urls")),
    path("api/auth/", include("django_authsession.openapi_urls")),

and ``GET /api/auth/openapi.json`` answers the schema, with the paths where the project mounted
the endpoints.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.urls import path

try:
    from drf_spectacular.views import SpectacularJSONAPIView
except ImportError as exc:
    raise ImproperlyConfigured(
        "django_authsession.openapi_urls needs drf-spectacular: "
        'pip install "django-authsession[openapi]"'
    ) from exc

from . import openapi  # noqa: F401  (the endpoint descriptions)

app_name = "authsession_openapi"


def _version() -> str:
    try:
        return version("django-authsession")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0"


SCHEMA_SETTINGS: dict[str, Any] = {
    "TITLE": "django-authsession",
    "DESCRIPTION": (
        "Database-backed, cookie-carried login sessions, wire-compatible with Better Auth. "
        'Errors are `{"message", "code"}`; each answer lists the codes it may carry.'
    ),
    "VERSION": _version(),
    "OAS_VERSION": "3.1.0",
    "PREPROCESSING_HOOKS": ["django_authsession.openapi.only_authsession_endpoints"],
}


class AuthSessionSchemaView(SpectacularJSONAPIView):
    """The schema as JSON, open to anyone (it describes public endpoints)."""

    authentication_classes: list[Any] = []
    custom_settings = SCHEMA_SETTINGS


urlpatterns = [
    path("openapi.json", AuthSessionSchemaView.as_view(), name="schema"),
]
