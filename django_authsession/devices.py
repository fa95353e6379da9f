"""Readable device names ("Chrome on macOS") from a session's user agent, for the admin and
account pages. Parsing uses ``ua-parser`` (maintained rules) and is cached per string, since a
device list shows the same few user agents many times."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import ua_parser

__all__ = ["describe_device", "describe_location", "describe_user_agent"]

# ua-parser's OS families, renamed to what people call them.
_OS_NAMES = {"Mac OS X": "macOS", "Mac OS": "macOS"}
UNKNOWN_DEVICE = "Unknown device"


@lru_cache(maxsize=1024)
def describe_user_agent(user_agent: str | None) -> str:
    """``"<browser> on <OS>"``, just the browser or OS when only one is known, or
    ``"Unknown device"``; never raises, whatever the header held."""
    if not user_agent:
        return UNKNOWN_DEVICE
    try:
        result = ua_parser.parse(user_agent[:1024])
    except Exception:  # a parser bug must not break a page that lists sessions
        return UNKNOWN_DEVICE
    browser = result.user_agent.family if result.user_agent else None
    system = result.os.family if result.os else None
    if browser == "Other":
        browser = None
    if system == "Other":
        system = None
    system = _OS_NAMES.get(system or "", system)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or UNKNOWN_DEVICE


def describe_location(location: Mapping[str, Any] | None) -> str:
    """``"Berlin, Germany"``, ``"Germany"``, or ``""`` when the place is unknown."""
    if not isinstance(location, Mapping):
        return ""
    city = location.get("city") or ""
    country = location.get("country") or location.get("countryCode") or ""
    return ", ".join(str(part) for part in (city, country) if part)


def describe_device(user_agent: str | None, location: Mapping[str, Any] | None = None) -> str:
    """``"Firefox on Windows · Berlin, Germany"``: the device, and its place when known."""
    place = describe_location(location)
    device = describe_user_agent(user_agent)
    return f"{device} · {place}" if place else device
