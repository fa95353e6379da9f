"""The client's IP address, honouring ``X-Forwarded-For`` only from configured trusted proxies.

A proxy on a unix socket gives no peer address (an empty ``REMOTE_ADDR``): with
``AUTHSESSION_TRUST_UNIX_SOCKET_PROXY`` that peer is a trusted proxy; without it the client is
unknown, and rate limits refuse the request rather than put every such client in one bucket."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from django.http import HttpRequest

from .conf import app_settings

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnknownClientAddress(Exception):
    """No client address to key a rate limit on (an empty or invalid ``REMOTE_ADDR``)."""


def invalid_proxies(proxies: Iterable[object]) -> list[object]:
    """The entries of ``AUTHSESSION_TRUSTED_PROXIES`` that are not an address or a network."""
    invalid = []
    for proxy in proxies:
        try:
            ipaddress.ip_network(str(proxy).strip(), strict=False)
        except ValueError:
            invalid.append(proxy)
        else:
            if not isinstance(proxy, str):
                invalid.append(proxy)
    return invalid


@lru_cache(maxsize=32)
def _networks(proxies: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    # Malformed entries are a system check error (E008); at request time they trust nothing.
    return tuple(
        ipaddress.ip_network(p.strip(), strict=False) for p in proxies if not invalid_proxies([p])
    )


def _parse(value: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def get_client_ip(request: HttpRequest) -> str:
    """``REMOTE_ADDR``, or, when the peer is a trusted proxy, the right-most address of
    ``X-Forwarded-For`` that is not itself a trusted proxy. Empty when nothing is valid."""
    remote = request.META.get("REMOTE_ADDR") or ""
    peer = _parse(remote)
    trusted = _networks(app_settings.TRUSTED_PROXIES)
    if peer is None:
        if remote.strip() or not app_settings.TRUST_UNIX_SOCKET_PROXY:
            return ""
    elif not trusted or not any(peer in net for net in trusted):
        return str(peer)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")[:4096]
    client = peer
    for hop in reversed(forwarded.split(",")):
        address = _parse(hop)
        if address is None:
            break
        client = address
        if not any(address in net for net in trusted):
            break
    return "" if client is None else str(client)


def from_trusted_proxy(request: HttpRequest) -> bool:
    """Did the request come through a trusted proxy (so headers it adds may be believed)?"""
    peer = _parse(request.META.get("REMOTE_ADDR") or "")
    if peer is None:
        return not (request.META.get("REMOTE_ADDR") or "").strip() and (
            app_settings.TRUST_UNIX_SOCKET_PROXY
        )
    return any(peer in net for net in _networks(app_settings.TRUSTED_PROXIES))


def rate_limit_ip(ip: str) -> str:
    """The address used in rate-limit keys: IPv6 clients are grouped by /64, since one
    subscriber usually owns a whole /64. Raises :class:`UnknownClientAddress` for an empty
    address, which would otherwise be one bucket shared by every client behind the proxy."""
    address = _parse(ip)
    if address is None:
        raise UnknownClientAddress(ip)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address.ipv4_mapped) if isinstance(address, ipaddress.IPv6Address) else str(address)
