"""The client's IP address, honouring ``X-Forwarded-For`` only from configured trusted proxies.

The header is walked from its right end, the end the trusted proxies write: each proxy appends
the address it received the request from, so every entry right of the client's own was written
by a proxy we trust, and everything left of it is whatever the client chose to send. The work is
bounded from that end too (at most ``MAX_FORWARDED_HOPS`` entries, each at most
``MAX_ENTRY_LENGTH`` characters), never by keeping the header's start: a client that sends a
long header must not push out the entry our proxy appended.

We keep this walk rather than use ``python-ipware``/``django-ipware``: ipware never compares the
peer (``REMOTE_ADDR``) with the trusted proxies before reading the header, matches its
``proxy_list`` positionally (the last N entries against the N configured proxies, in order) rather
than walking while the hop is trusted, and drops the whole header when any entry does not parse,
so garbage put in front by a client changes which header or address it answers.

Addresses are normalised once, here: an IPv4-mapped IPv6 address (``::ffff:127.0.0.1``, what a
dual-stack socket reports for an IPv4 peer) is its IPv4 address, for comparing with
``AUTHSESSION_TRUSTED_PROXIES``, for rate-limit keys and for the session row.

A proxy on a unix socket gives no peer address (an empty ``REMOTE_ADDR``): with
``AUTHSESSION_TRUST_UNIX_SOCKET_PROXY`` that peer is a trusted proxy; without it the client is
unknown, and rate limits refuse the request rather than put every such client in one bucket."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator
from functools import lru_cache

from django.http import HttpRequest

from .conf import app_settings

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Trusted hops walked at most: more proxies than this in front of one app is not a deployment.
MAX_FORWARDED_HOPS = 32
# The longest textual address worth parsing (an IPv6 address with an IPv4 tail is 45 characters,
# a scope id adds a little); a longer entry is not an address.
MAX_ENTRY_LENGTH = 64
IPV4_MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")


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


def _unmapped_network(network: IPNetwork) -> IPNetwork:
    """``::ffff:10.0.0.0/104`` is ``10.0.0.0/8``: mapped networks compare as IPv4 too."""
    if isinstance(network, ipaddress.IPv6Network) and network.subnet_of(IPV4_MAPPED):
        base = network.network_address.ipv4_mapped
        assert base is not None
        return ipaddress.IPv4Network((base, network.prefixlen - 96))
    return network


@lru_cache(maxsize=32)
def _networks(proxies: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    # Malformed entries are a system check error (E008); at request time they trust nothing.
    return tuple(
        _unmapped_network(ipaddress.ip_network(p.strip(), strict=False))
        for p in proxies
        if not invalid_proxies([p])
    )


def _parse(value: str) -> IPAddress | None:
    """The address in ``value``, IPv4-mapped IPv6 addresses as IPv4; ``None`` if not one."""
    value = value.strip()
    if not value or len(value) > MAX_ENTRY_LENGTH:
        return None
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _right_to_left(header: str) -> Iterator[str]:
    """The last ``MAX_FORWARDED_HOPS`` entries of a comma-separated header, right-most first,
    found from the right end whatever the header's length."""
    end = len(header)
    for _ in range(MAX_FORWARDED_HOPS):
        start = header.rfind(",", 0, end)
        yield header[start + 1 : end]
        if start < 0:
            return
        end = start


def _trusted(address: IPAddress, trusted: tuple[IPNetwork, ...]) -> bool:
    return any(address in net for net in trusted)


def get_client_ip(request: HttpRequest) -> str:
    """``REMOTE_ADDR``, or, when the peer is a trusted proxy, the right-most address of
    ``X-Forwarded-For`` that is not itself a trusted proxy. Empty when nothing is valid."""
    remote = request.META.get("REMOTE_ADDR") or ""
    peer = _parse(remote)
    trusted = _networks(app_settings.TRUSTED_PROXIES)
    if peer is None:
        if remote.strip() or not app_settings.TRUST_UNIX_SOCKET_PROXY:
            return ""
    elif not trusted or not _trusted(peer, trusted):
        return str(peer)
    client = peer
    for hop in _right_to_left(request.META.get("HTTP_X_FORWARDED_FOR", "")):
        address = _parse(hop)
        if address is None:
            break  # not written by a proxy of ours: the last trusted hop is all we know
        client = address
        if not _trusted(address, trusted):
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
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)
