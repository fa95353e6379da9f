"""One test per system check of the watched-sessions settings (E028-E031, W018-W020)."""

from __future__ import annotations

from tests.helpers import run_checks


def ids() -> set[str]:
    return {m.id for m in run_checks() if m.id and m.id.startswith("django_authsession.")}


def test_the_test_settings_pass() -> None:
    assert ids() == set()


def test_e028_idle_timeout_without_activity_tracking(settings) -> None:
    settings.AUTHSESSION_ACTIVITY_INTERVAL = None
    settings.AUTHSESSION_IDLE_TIMEOUT = 1800
    assert "django_authsession.E028" in ids()


def test_w018_idle_timeout_too_close_to_the_interval(settings) -> None:
    settings.AUTHSESSION_ACTIVITY_INTERVAL = 300
    settings.AUTHSESSION_IDLE_TIMEOUT = 400
    assert "django_authsession.W018" in ids()
    settings.AUTHSESSION_IDLE_TIMEOUT = 600
    assert "django_authsession.W018" not in ids()


def test_e029_cap_below_one(settings) -> None:
    settings.AUTHSESSION_MAX_SESSIONS_PER_USER = 0
    assert "django_authsession.E029" in ids()


def test_e030_unknown_limit_policy(settings) -> None:
    settings.AUTHSESSION_SESSION_LIMIT_POLICY = "oldest"
    assert "django_authsession.E030" in ids()


def test_e031_unknown_header_preset_or_resolver(settings) -> None:
    settings.AUTHSESSION_LOCATION_HEADERS = "akamai"
    assert "django_authsession.E031" in ids()
    settings.AUTHSESSION_LOCATION_HEADERS = None
    settings.AUTHSESSION_LOCATION_RESOLVER = "tests.nowhere.resolve"
    assert "django_authsession.E031" in ids()


def test_w019_header_preset_without_trusted_proxies(settings) -> None:
    settings.AUTHSESSION_LOCATION_HEADERS = "cloudflare"
    settings.AUTHSESSION_TRUSTED_PROXIES = []
    assert "django_authsession.W019" in ids()
    settings.AUTHSESSION_TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert "django_authsession.W019" not in ids()


def test_w020_geoip_path_missing(settings, tmp_path) -> None:
    settings.AUTHSESSION_GEOIP_PATH = str(tmp_path / "GeoLite2-City.mmdb")
    assert "django_authsession.W020" in ids()
