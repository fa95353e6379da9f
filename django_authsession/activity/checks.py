"""System checks of the place settings (E031, W019, W020); the activity, idle-timeout and
session-cap checks are the core's (`checks.py`)."""

from __future__ import annotations

import os
from typing import Any

from django.core.checks import Error, Tags, Warning, register
from django.utils.module_loading import import_string

from ..checks import CheckDoc
from ..conf import app_settings
from .conf import LOCATION_HEADER_PRESETS, activity_settings

CATALOGUE: dict[str, CheckDoc] = {
    "django_authsession.E031": CheckDoc(
        "`AUTHSESSION_LOCATION_HEADERS` is not a known CDN preset, or "
        "`AUTHSESSION_LOCATION_RESOLVER` cannot be imported.",
        'Use `"cloudflare"`, `"cloudfront"`, `"vercel"` or `None`; give the resolver as the '
        "dotted path of a callable `(request, ip) -> dict | None`.",
    ),
    "django_authsession.W019": CheckDoc(
        "`AUTHSESSION_LOCATION_HEADERS` is set but `AUTHSESSION_TRUSTED_PROXIES` is empty: "
        "place headers are believed only from trusted proxies, so none is used.",
        "List the CDN's or load balancer's addresses in `AUTHSESSION_TRUSTED_PROXIES`.",
    ),
    "django_authsession.W020": CheckDoc(
        "`AUTHSESSION_GEOIP_PATH` does not exist: sessions get no place.",
        "Point it at a GeoLite2/GeoIP2 `.mmdb` file or its directory, or unset it.",
    ),
}


@register(Tags.security)
def check_location_settings(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    errors: list[Any] = []
    preset = activity_settings.LOCATION_HEADERS
    if preset is not None and preset not in LOCATION_HEADER_PRESETS:
        errors.append(
            Error(
                f"AUTHSESSION_LOCATION_HEADERS is {preset!r}.",
                hint="Use one of: "
                + ", ".join(repr(p) for p in LOCATION_HEADER_PRESETS)
                + ", or None.",
                id="django_authsession.E031",
            )
        )
    elif preset is not None and not app_settings.TRUSTED_PROXIES:
        errors.append(
            Warning(
                "AUTHSESSION_LOCATION_HEADERS is set but AUTHSESSION_TRUSTED_PROXIES is empty: "
                "place headers are believed only from trusted proxies, so none will be used.",
                hint="List the CDN's or load balancer's addresses in AUTHSESSION_TRUSTED_PROXIES.",
                id="django_authsession.W019",
            )
        )
    errors += _resolver_errors()
    return errors


def _resolver_errors() -> list[Any]:
    path = activity_settings.GEOIP_PATH
    if path is not None and not os.path.exists(path):
        return [
            Warning(
                f"AUTHSESSION_GEOIP_PATH ({path}) does not exist: sessions get no place.",
                hint="Point it at a GeoLite2/GeoIP2 .mmdb file or its directory, or unset it.",
                id="django_authsession.W020",
            )
        ]
    resolver = activity_settings.LOCATION_RESOLVER
    if resolver is not None:
        try:
            import_string(resolver)
        except ImportError as exc:
            return [
                Error(
                    f"AUTHSESSION_LOCATION_RESOLVER ({resolver}) cannot be imported: {exc}.",
                    hint="Give the dotted path of a callable (request, ip) -> dict | None.",
                    id="django_authsession.E031",
                )
            ]
    return []
