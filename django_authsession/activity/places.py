"""Where a request comes from: ``{"country", "countryCode", "city"}`` (any may be ``None``),
or ``None`` when nothing is known.

The built-in resolver believes a CDN's place headers (``AUTHSESSION_LOCATION_HEADERS``) only on
requests from a trusted proxy, since anyone else can send them, and otherwise looks the client
address up in a MaxMind GeoIP2/GeoLite2 database (``AUTHSESSION_GEOIP_PATH``, the file Django's
``GeoIP2`` reads; nothing is downloaded). ``AUTHSESSION_LOCATION_RESOLVER`` replaces it with a
callable of the project's own, ``(request, ip) -> dict | None``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from functools import lru_cache
from typing import Any, TypedDict
from urllib.parse import unquote

from django.http import HttpRequest
from django.utils.module_loading import import_string

from ..client_ip import from_trusted_proxy, get_client_ip
from .conf import LOCATION_HEADER_PRESETS, activity_settings

__all__ = ["Location", "default_resolver", "geoip_location", "header_location", "locate"]

logger = logging.getLogger(__name__)

# The file names Django's GeoIP2 looks for in a directory, best first.
GEOIP_FILES = (
    "GeoLite2-City.mmdb",
    "GeoIP2-City.mmdb",
    "GeoLite2-Country.mmdb",
    "GeoIP2-Country.mmdb",
)
# Country codes CDNs send for "not a country": unknown, Tor.
NOT_COUNTRIES = frozenset({"", "XX", "T1"})
MAX_NAME = 128


class Location(TypedDict):
    country: str | None  # a name when the source has one ("Germany"), else the ISO code
    countryCode: str | None  # ISO 3166-1 alpha-2 ("DE")
    city: str | None


def _clean(value: Any) -> str | None:
    text = str(value).strip()[:MAX_NAME] if value is not None else ""
    return text if text and text.isprintable() else None


def _location(country_code: Any, country: Any, city: Any) -> Location | None:
    code = _clean(country_code)
    code = code.upper() if code and len(code) == 2 and code.isalpha() else None
    if code in NOT_COUNTRIES:
        code = None
    place = Location(country=_clean(country) or code, countryCode=code, city=_clean(city))
    return place if place["country"] or place["city"] else None


def header_location(request: HttpRequest, preset: str) -> Location | None:
    """The place a CDN's headers give (preset ``"cloudflare"``, ``"cloudfront"`` or
    ``"vercel"``); only call it for a request from a trusted proxy."""
    country_header, city_header = LOCATION_HEADER_PRESETS[preset]
    meta = request.META
    city = meta.get(city_header) if city_header else None
    if city and preset == "vercel":
        city = unquote(city)  # Vercel percent-encodes the city ("S%C3%A3o%20Paulo")
    return _location(meta.get(country_header), None, city)


@lru_cache(maxsize=4)
def _reader(path: str) -> Any:
    import maxminddb  # the geoip extra; Django's GeoIP2 reads the same files with it

    if os.path.isdir(path):
        for name in GEOIP_FILES:
            if os.path.exists(os.path.join(path, name)):
                path = os.path.join(path, name)
                break
    return maxminddb.open_database(path)


def geoip_location(ip: str, path: str) -> Location | None:
    """The place of ``ip`` in the MaxMind database at ``path`` (a City or a Country
    database), English names; ``None`` for addresses it does not know (private ones)."""
    if not ip:
        return None
    try:
        record = _reader(path).get(ip)
    except ValueError:  # not an address
        return None
    if not isinstance(record, dict):
        return None
    country = record.get("country") or record.get("registered_country") or {}
    city = record.get("city") or {}
    return _location(
        country.get("iso_code"),
        (country.get("names") or {}).get("en"),
        (city.get("names") or {}).get("en"),
    )


def default_resolver(request: HttpRequest, ip: str) -> Location | None:
    """CDN headers from a trusted proxy, else the MaxMind database, else ``None``."""
    preset = activity_settings.LOCATION_HEADERS
    if preset in LOCATION_HEADER_PRESETS and from_trusted_proxy(request):
        found = header_location(request, preset)
        if found is not None:
            return found
    path = activity_settings.GEOIP_PATH
    return geoip_location(ip, path) if path else None


Resolver = Callable[[HttpRequest, str], "Location | dict[str, Any] | None"]


@lru_cache(maxsize=1)
def _resolver(path: str | None) -> Resolver:
    return import_string(path) if path else default_resolver


def locate(request: HttpRequest) -> dict[str, Any] | None:
    """The request's place through the configured resolver (``sessions`` calls this)."""
    if not _any_source():
        return None
    place = _resolver(activity_settings.LOCATION_RESOLVER)(request, get_client_ip(request))
    return dict(place) if place else None


def _any_source() -> bool:
    return bool(
        activity_settings.LOCATION_RESOLVER
        or activity_settings.LOCATION_HEADERS
        or activity_settings.GEOIP_PATH
    )


def reset(**kwargs: Any) -> None:
    """Settings changed: forget the open database and the imported resolver."""
    _reader.cache_clear()
    _resolver.cache_clear()
