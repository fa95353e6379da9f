"""System checks of the admin API's settings (ids E036-E039, W023-W024)."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error, Warning, register

from ..checks import CheckDoc
from ..conf import app_settings
from .conf import admin_api_settings

# An impersonation session longer than this is an admin's second identity, not a support visit.
LONG_IMPERSONATION = 86400


CATALOGUE: dict[str, CheckDoc] = {
    "django_authsession.E036": CheckDoc(
        "`AUTHSESSION_IMPERSONATION_SESSION_DURATION` is not a whole number of seconds above 0.",
        "Set it to seconds, such as `3600` (one hour, the default).",
    ),
    "django_authsession.E037": CheckDoc(
        "`AUTHSESSION_DEFAULT_BAN_EXPIRES_IN` is not a whole number of seconds above 0.",
        "Set seconds, or `None` for bans that last until lifted.",
    ),
    "django_authsession.W023": CheckDoc(
        "`AUTHSESSION_IMPERSONATION_SESSION_DURATION` is more than a day.",
        "Keep impersonation short (the default is 3600 s): an admin who needs longer can start "
        "a new one, and each start is logged.",
    ),
    "django_authsession.W024": CheckDoc(
        "`AUTHSESSION_IMPERSONATION_SESSION_DURATION` is longer than `AUTHSESSION_EXPIRES_IN`.",
        "Lower it below the session lifetime: an impersonation should end before the admin's "
        "own session does.",
    ),
}


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


@register()
def check_admin_api_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    duration = admin_api_settings.IMPERSONATION_SESSION_DURATION
    if not _positive_int(duration):
        messages.append(
            Error(
                f"AUTHSESSION_IMPERSONATION_SESSION_DURATION is {duration!r}.",
                hint="Set a whole number of seconds above 0, such as 3600 (one hour).",
                id="django_authsession.E036",
            )
        )
    elif duration > LONG_IMPERSONATION:
        messages.append(
            Warning(
                f"AUTHSESSION_IMPERSONATION_SESSION_DURATION is {duration} seconds, more than "
                "a day.",
                hint="Keep impersonation short (the default is 3600): an admin who needs longer "
                "can start a new one, and each start is logged.",
                id="django_authsession.W023",
            )
        )
    elif duration > app_settings.EXPIRES_IN:
        messages.append(
            Warning(
                f"AUTHSESSION_IMPERSONATION_SESSION_DURATION ({duration} s) is longer than "
                f"AUTHSESSION_EXPIRES_IN ({app_settings.EXPIRES_IN} s).",
                hint="Lower AUTHSESSION_IMPERSONATION_SESSION_DURATION below the session "
                "lifetime: an impersonation should end before the admin's own session does.",
                id="django_authsession.W024",
            )
        )
    default_expiry = admin_api_settings.DEFAULT_BAN_EXPIRES_IN
    if default_expiry is not None and not _positive_int(default_expiry):
        messages.append(
            Error(
                f"AUTHSESSION_DEFAULT_BAN_EXPIRES_IN is {default_expiry!r}.",
                hint="Set a whole number of seconds above 0, or None for bans that last "
                "until lifted.",
                id="django_authsession.E037",
            )
        )
    return messages
