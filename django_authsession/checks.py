"""System checks for the app's settings; the ``deploy`` ones run with ``check --deploy``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.utils.module_loading import import_string

from .conf import app_settings
from .ratelimit import check_rate_settings  # noqa: F401  (registers the rate-limit checks)
from .serializers import check_user_serializer  # noqa: F401  (registers the user JSON check)

MIDDLEWARE = "django_authsession.middleware.AuthSessionMiddleware"
AUTH_MIDDLEWARE = "django.contrib.auth.middleware.AuthenticationMiddleware"
LOCAL_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
    "django.core.cache.backends.filebased.FileBasedCache",
)


@register(Tags.security, Tags.compatibility)
def check_settings(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    errors: list[Any] = []
    middleware = list(getattr(settings, "MIDDLEWARE", []))
    if MIDDLEWARE not in middleware:
        errors.append(
            Error(
                f"{MIDDLEWARE} is not in MIDDLEWARE.",
                hint="Add it after AuthenticationMiddleware; it refreshes and clears cookies.",
                id="django_authsession.E001",
            )
        )
    elif AUTH_MIDDLEWARE in middleware and middleware.index(AUTH_MIDDLEWARE) > middleware.index(
        MIDDLEWARE
    ):
        errors.append(
            Error(
                f"{MIDDLEWARE} must come after {AUTH_MIDDLEWARE}.",
                hint="Otherwise AuthenticationMiddleware overwrites request.user.",
                id="django_authsession.E002",
            )
        )
    if app_settings.TOKEN_STORAGE not in ("sha256", "plain"):
        errors.append(
            Error(
                'AUTHSESSION_TOKEN_STORAGE must be "sha256" or "plain".',
                id="django_authsession.E003",
            )
        )
    try:
        import_string(app_settings.USER_SERIALIZER)
    except ImportError as exc:
        errors.append(
            Error(
                f"AUTHSESSION_USER_SERIALIZER cannot be imported: {exc}",
                id="django_authsession.E004",
            )
        )
    if app_settings.UPDATE_AGE >= app_settings.EXPIRES_IN:
        errors.append(
            Error(
                "AUTHSESSION_UPDATE_AGE must be shorter than AUTHSESSION_EXPIRES_IN.",
                id="django_authsession.E005",
            )
        )
    return errors


@register(Tags.security, deploy=True)
def check_deploy(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    warnings: list[Any] = []
    if not app_settings.USE_SECURE_COOKIES:
        warnings.append(
            Warning(
                "Session cookies are sent without Secure and the __Secure- prefix.",
                hint="Leave AUTHSESSION_USE_SECURE_COOKIES unset (on unless DEBUG) behind HTTPS.",
                id="django_authsession.W001",
            )
        )
    if len(app_settings.SECRET) < 32:
        warnings.append(
            Warning(
                "The secret that signs session cookies is shorter than 32 characters.",
                id="django_authsession.W002",
            )
        )
    backend = settings.CACHES.get(app_settings.REVOCATION_CACHE, {}).get("BACKEND", "")
    if app_settings.COOKIE_CACHE and backend in LOCAL_CACHES:
        warnings.append(
            Warning(
                "Revocation marks live in a per-process cache: a revoked session can stay "
                f"valid on other workers for up to {app_settings.COOKIE_CACHE_MAX_AGE} s.",
                hint="Point AUTHSESSION_REVOCATION_CACHE at a shared cache such as Redis.",
                id="django_authsession.W003",
            )
        )
    return warnings
