"""One test per system check (django_authsession.E00x / W00x)."""

from __future__ import annotations

from django.core.checks import run_checks
from django.test import override_settings

from django_authsession.checks import AUTH_MIDDLEWARE, MIDDLEWARE


def ids(deploy: bool = False) -> set[str]:
    return {
        m.id
        for m in run_checks(include_deployment_checks=deploy)
        if m.id and m.id.startswith("django_authsession.")
    }


def test_default_test_settings_pass() -> None:
    assert ids() == set()


def test_e001_middleware_missing(settings) -> None:
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != MIDDLEWARE]
    assert "django_authsession.E001" in ids()


def test_e002_middleware_before_authentication(settings) -> None:
    rest = [m for m in settings.MIDDLEWARE if m not in (MIDDLEWARE, AUTH_MIDDLEWARE)]
    settings.MIDDLEWARE = [*rest, MIDDLEWARE, AUTH_MIDDLEWARE]
    assert "django_authsession.E002" in ids()


def test_e003_token_storage(settings) -> None:
    settings.AUTHSESSION_TOKEN_STORAGE = "md5"
    assert "django_authsession.E003" in ids()


def test_e004_user_serializer_import(settings) -> None:
    settings.AUTHSESSION_USER_SERIALIZER = "nowhere.Serializer"
    assert "django_authsession.E004" in ids()


def test_e005_update_age_shorter_than_lifetime(settings) -> None:
    settings.AUTHSESSION_UPDATE_AGE = settings.AUTHSESSION_EXPIRES_IN = 3600
    assert "django_authsession.E005" in ids()


def test_w001_insecure_cookies_in_deploy(settings) -> None:
    settings.AUTHSESSION_USE_SECURE_COOKIES = False
    assert "django_authsession.W001" in ids(deploy=True)
    settings.AUTHSESSION_USE_SECURE_COOKIES = True
    assert "django_authsession.W001" not in ids(deploy=True)


def test_w002_short_secret(settings) -> None:
    settings.AUTHSESSION_SECRET = "short"
    assert "django_authsession.W002" in ids(deploy=True)


def test_w003_per_process_revocation_cache() -> None:
    local = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    shared = {
        "default": local["default"],
        "marks": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
        },
    }
    # Only the settings are read: no cache is connected, so redis-py need not be installed.
    with override_settings(CACHES=local):
        assert "django_authsession.W003" in ids(deploy=True)
    with override_settings(CACHES=shared, AUTHSESSION_REVOCATION_CACHE="marks"):
        assert "django_authsession.W003" not in ids(deploy=True)


def test_w010_revocation_or_rate_limit_cache_reading_replicas() -> None:
    redis = "django.core.cache.backends.redis.RedisCache"
    primary = "redis://primary:6379/0"
    replicated = {"BACKEND": redis, "LOCATION": [primary, "redis://replica:6379/0"]}
    single = {"BACKEND": redis, "LOCATION": primary}
    # Only the settings are read: no cache is connected.
    with override_settings(CACHES={"default": replicated}):
        assert "django_authsession.W010" in ids(deploy=True)
        assert "django_authsession.W010" not in ids()  # a deployment check
    comma_separated = {**replicated, "LOCATION": f"{primary},redis://replica:6379/0"}
    with override_settings(CACHES={"default": comma_separated}):
        assert "django_authsession.W010" in ids(deploy=True)
    django_redis = {**replicated, "BACKEND": "django_redis.cache.RedisCache"}
    with override_settings(CACHES={"default": single, "counters": django_redis}):
        assert "django_authsession.W010" not in ids(deploy=True)
        with override_settings(RATELIMIT_USE_CACHE="counters"):
            assert "django_authsession.W010" in ids(deploy=True)
    # Replicas are fine for a cache that holds neither marks nor counters.
    with override_settings(CACHES={"default": single, "pages": replicated}):
        assert "django_authsession.W010" not in ids(deploy=True)
