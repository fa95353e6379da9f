"""Error reports (DEBUG pages included) that show no password and no session token.

Django's ``SafeExceptionReporterFilter`` honours ``sensitive_variables`` and
``sensitive_post_parameters`` only when ``DEBUG`` is off, and hides cookies by name, which
leaves ``session_data`` (it carries the raw token) in plain sight. Requests that reach this
app get a filter that is always active and hides every session cookie, built on the project's
own default filter so its other rules still apply."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.module_loading import import_string
from django.views.debug import SafeExceptionReporterFilter

from .conf import app_settings


@lru_cache(maxsize=4)
def _filter_for(base_path: str) -> SafeExceptionReporterFilter:
    """One stateless filter per configured base class, built once (this runs per request)."""
    base: Any = import_string(base_path)

    class AuthSessionReporterFilter(base):  # type: ignore[misc]
        def is_active(self, request: HttpRequest | None) -> bool:
            return True

        def get_safe_cookies(self, request: HttpRequest) -> dict[str, Any]:
            safe: dict[str, Any] = super().get_safe_cookies(request)
            prefix = f"{app_settings.COOKIE_PREFIX}."
            for name in safe:
                if name.removeprefix("__Secure-").startswith(prefix):
                    safe[name] = self.cleansed_substitute
            return safe

    instance: SafeExceptionReporterFilter = AuthSessionReporterFilter()
    return instance


def protect(request: HttpRequest) -> None:
    """Report errors of this request without its secrets (unless a filter is already set)."""
    if getattr(request, "exception_reporter_filter", None) is None:
        path = settings.DEFAULT_EXCEPTION_REPORTER_FILTER
        request.exception_reporter_filter = _filter_for(path)
