"""Places: a GeoIP2 database written here (mmdb-writer, nothing downloaded) read through the
resolver, each CDN preset believed only from a trusted proxy, the place stored with the session
and shown in list-sessions and the device name."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.test import RequestFactory

from django_authsession.activity import places
from django_authsession.devices import describe_device
from django_authsession.models import Session
from tests.helpers import geoip_record, origin_client, signed_in_token, write_geoip_database

mmdb_writer = pytest.importorskip("mmdb_writer", reason="needs mmdb-writer (the test extra)")
pytest.importorskip("maxminddb", reason="needs maxminddb (the test extra)")

BERLIN = "198.51.100.7"  # TEST-NET-2
PARIS_V6 = "2001:db8::1"  # documentation prefix
COUNTRY_ONLY = "203.0.113.9"  # TEST-NET-3
FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0"


@pytest.fixture(scope="session")
def geoip_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A GeoLite2-City database with three networks, as MaxMind lays its records out."""
    path = tmp_path_factory.mktemp("geoip") / "GeoLite2-City.mmdb"
    return write_geoip_database(
        path,
        {
            "198.51.100.0/24": geoip_record("DE", "Germany", "Berlin"),
            "2001:db8::/32": geoip_record("FR", "France", "Paris"),
            "203.0.113.0/24": geoip_record("JP", "Japan"),
        },
    )


@pytest.fixture
def geoip(settings: Any, geoip_db: Path) -> Path:
    settings.AUTHSESSION_GEOIP_PATH = str(geoip_db)
    return geoip_db


def _locate(request: Any) -> Any:
    return places.locate(request)


def _request(ip: str = BERLIN, **meta: Any) -> Any:
    return RequestFactory().get("/", REMOTE_ADDR=ip, **meta)


def test_the_database_file_gives_country_and_city(geoip) -> None:
    assert _locate(_request(BERLIN)) == {
        "country": "Germany",
        "countryCode": "DE",
        "city": "Berlin",
    }
    assert _locate(_request(PARIS_V6))["city"] == "Paris"
    assert _locate(_request(COUNTRY_ONLY)) == {
        "country": "Japan",
        "countryCode": "JP",
        "city": None,
    }
    assert _locate(_request("10.0.0.1")) is None  # not in the database


def test_a_directory_holding_the_file_works_as_django_geoip_path(settings, geoip_db) -> None:
    settings.GEOIP_PATH = str(geoip_db.parent)  # Django's own setting, when ours is unset
    assert _locate(_request(BERLIN))["countryCode"] == "DE"


def test_djangos_geoip2_reads_the_same_file(geoip_db) -> None:
    pytest.importorskip("geoip2")
    from django.contrib.gis.geoip2 import GeoIP2

    found = GeoIP2(str(geoip_db)).city(BERLIN)
    assert (found["country_code"], found["city"]) == ("DE", "Berlin")


def test_no_source_means_no_lookup(settings) -> None:
    assert _locate(_request(BERLIN)) is None


@pytest.mark.parametrize(
    ("preset", "headers", "expected"),
    [
        (
            "cloudflare",
            {"HTTP_CF_IPCOUNTRY": "DE", "HTTP_CF_IPCITY": "Berlin"},
            {"country": "DE", "countryCode": "DE", "city": "Berlin"},
        ),
        (
            "cloudfront",
            {"HTTP_CLOUDFRONT_VIEWER_COUNTRY": "fr", "HTTP_CLOUDFRONT_VIEWER_CITY": "Paris"},
            {"country": "FR", "countryCode": "FR", "city": "Paris"},
        ),
        (
            "vercel",
            {"HTTP_X_VERCEL_IP_COUNTRY": "BR", "HTTP_X_VERCEL_IP_CITY": "S%C3%A3o%20Paulo"},
            {"country": "BR", "countryCode": "BR", "city": "São Paulo"},
        ),
        ("cloudflare", {"HTTP_CF_IPCOUNTRY": "XX"}, None),  # unknown
        ("cloudflare", {"HTTP_CF_IPCOUNTRY": "T1"}, None),  # Tor
        ("cloudflare", {"HTTP_CF_IPCOUNTRY": "<script>"}, None),
    ],
)
def test_each_cdn_preset_is_read_from_a_trusted_proxy(settings, preset, headers, expected) -> None:
    settings.AUTHSESSION_LOCATION_HEADERS = preset
    settings.AUTHSESSION_TRUSTED_PROXIES = ["10.0.0.0/8"]
    request = _request("10.1.2.3", HTTP_X_FORWARDED_FOR=BERLIN, **headers)
    assert _locate(request) == expected


@pytest.mark.parametrize("preset", ["cloudflare", "cloudfront", "vercel"])
def test_place_headers_from_anyone_else_are_ignored(settings, geoip, preset) -> None:
    """A client cannot pick its place: without a trusted proxy the headers are not read, and
    the database answers for the real address."""
    settings.AUTHSESSION_LOCATION_HEADERS = preset
    settings.AUTHSESSION_TRUSTED_PROXIES = ["10.0.0.0/8"]
    forged = {
        "HTTP_CF_IPCOUNTRY": "US",
        "HTTP_CLOUDFRONT_VIEWER_COUNTRY": "US",
        "HTTP_X_VERCEL_IP_COUNTRY": "US",
    }
    assert _locate(_request(BERLIN, **forged))["countryCode"] == "DE"


def test_a_project_resolver_replaces_the_built_in_one(settings) -> None:
    settings.AUTHSESSION_LOCATION_RESOLVER = "tests.test_places.resolve_everything_to_oslo"
    assert _locate(_request(BERLIN)) == {"country": "Norway", "city": "Oslo"}


def resolve_everything_to_oslo(request: Any, ip: str) -> dict[str, Any]:
    return {"country": "Norway", "city": "Oslo"}


def test_a_failing_resolver_leaves_the_session_without_a_place(settings, user) -> None:
    settings.AUTHSESSION_LOCATION_RESOLVER = "tests.test_places.broken_resolver"
    client = origin_client(REMOTE_ADDR=BERLIN)
    signed_in_token(client, user.email)
    assert Session.objects.get().location is None


def broken_resolver(request: Any, ip: str) -> None:
    raise RuntimeError("resolver down")


def test_place_is_stored_at_sign_in_and_listed(geoip, user) -> None:
    client = origin_client(REMOTE_ADDR=BERLIN, HTTP_USER_AGENT=FIREFOX_WINDOWS)
    signed_in_token(client, user.email)
    session = Session.objects.get()
    assert session.location == {"country": "Germany", "countryCode": "DE", "city": "Berlin"}
    (listed,) = client.get("/api/auth/list-sessions").json()
    assert listed["location"] == session.location
    assert describe_device(listed["userAgent"], listed["location"]) == (
        "Firefox on Windows · Berlin, Germany"
    )


def test_place_moves_with_activity(geoip, user, settings) -> None:
    """A session used from another place records it with its next activity write."""
    settings.AUTHSESSION_ACTIVITY_INTERVAL = 60
    settings.AUTHSESSION_COOKIE_CACHE = False
    client = origin_client(REMOTE_ADDR=BERLIN)
    signed_in_token(client, user.email)
    started = Session.objects.get().created_at
    client.defaults["REMOTE_ADDR"] = PARIS_V6  # the same browser, now in Paris
    with time_machine.travel(started + timedelta(seconds=30), tick=False):
        client.get("/api/auth/get-session")  # within the interval: nothing written
    assert _location()["city"] == "Berlin"
    with time_machine.travel(started + timedelta(seconds=61), tick=False):
        client.get("/api/auth/get-session")
    assert _location()["city"] == "Paris"


def _location() -> Any:
    return Session.objects.get().location
