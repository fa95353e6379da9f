"""One test per system check (django_authsession.E00x / W00x)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from importlib.util import find_spec

import pytest
from django.test import override_settings

from django_authsession.backends import BACKEND_PATH
from django_authsession.checks import AUTH_MIDDLEWARE, MIDDLEWARE
from tests.helpers import redis_server, run_checks


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


def test_e024_failure_limit_backend_missing_or_not_first(settings) -> None:
    """A warning (W017) in development, so a new project starts; an error for --deploy."""
    model_backend = "django.contrib.auth.backends.ModelBackend"
    settings.AUTHENTICATION_BACKENDS = [model_backend]
    assert "django_authsession.W017" in ids()
    assert "django_authsession.E024" not in ids()
    assert "django_authsession.E024" in ids(deploy=True)
    settings.AUTHENTICATION_BACKENDS = [model_backend, BACKEND_PATH]
    [error] = [
        m for m in run_checks(include_deployment_checks=True) if m.id == "django_authsession.E024"
    ]
    assert "is not first" in error.msg and BACKEND_PATH in (error.hint or "")
    settings.AUTHENTICATION_BACKENDS = [BACKEND_PATH, model_backend]
    assert not {"django_authsession.E024", "django_authsession.W017"} & ids(deploy=True)


@pytest.mark.supplied_user_model
def test_w016_not_for_the_supplied_model_and_its_email_index() -> None:
    assert "django_authsession.W016" not in ids(deploy=True)


@pytest.mark.custom_user_model
def test_w016_a_user_model_without_an_index_for_the_email_lookup() -> None:
    [warning] = [
        m for m in run_checks(include_deployment_checks=True) if m.id == "django_authsession.W016"
    ]
    assert "LOWER(email)" in warning.msg and "accounts.User" in warning.msg
    assert 'Lower("email")' in (warning.hint or "")


def test_w001_insecure_cookies_in_deploy(settings) -> None:
    settings.AUTHSESSION_USE_SECURE_COOKIES = False
    assert "django_authsession.W001" in ids(deploy=True)
    settings.AUTHSESSION_USE_SECURE_COOKIES = True
    assert "django_authsession.W001" not in ids(deploy=True)


def test_w002_short_secret(settings) -> None:
    settings.AUTHSESSION_SECRET = "short"
    assert "django_authsession.W002" in ids(deploy=True)


LOCAL = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}


def redis_at(port: int, db: int = 0) -> dict[str, str]:
    return {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"redis://127.0.0.1:{port}/{db}",
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_e006_revocation_cache_missing() -> None:
    """An alias the project named and did not configure is a typo: an error."""
    with override_settings(CACHES={"default": LOCAL}, AUTHSESSION_REVOCATION_CACHE="marks"):
        assert "django_authsession.E006" in ids()
    with override_settings(
        CACHES={"default": LOCAL},
        AUTHSESSION_REVOCATION_CACHE="marks",
        AUTHSESSION_COOKIE_CACHE=False,
    ):
        assert "django_authsession.E006" not in ids()  # no cookie cache, no marks


def test_w011_no_revocation_cache_runs_on_a_per_process_fallback() -> None:
    """A new project without the alias runs (development), is told what production needs,
    and check --deploy refuses it."""
    with override_settings(CACHES={"default": LOCAL}):
        warnings = [m for m in run_checks() if m.id == "django_authsession.W011"]
        assert len(warnings) == 1
        assert "authsession_revocation" in str(warnings[0].hint)
        assert "noeviction" in str(warnings[0].hint)
        assert "django_authsession.E006" not in ids()
        assert "django_authsession.E009" in ids(deploy=True)
    with override_settings(CACHES={"default": LOCAL}, AUTHSESSION_COOKIE_CACHE=False):
        assert "django_authsession.W011" not in ids()  # no cookie cache, no marks


# --- cookie attributes ----------------------------------------------------------------------


def test_e016_unknown_samesite(settings) -> None:
    settings.AUTHSESSION_COOKIE_SAMESITE = "sometimes"
    assert "django_authsession.E016" in ids()
    settings.AUTHSESSION_COOKIE_SAMESITE = None
    assert "django_authsession.E016" in ids()
    for value in ("Lax", "strict", "none"):
        settings.AUTHSESSION_COOKIE_SAMESITE = value
        settings.AUTHSESSION_USE_SECURE_COOKIES = True
        assert "django_authsession.E016" not in ids()


def test_e017_samesite_none_needs_secure_cookies(settings) -> None:
    settings.AUTHSESSION_COOKIE_SAMESITE = "None"
    settings.AUTHSESSION_USE_SECURE_COOKIES = False
    errors = [m for m in run_checks() if m.id == "django_authsession.E017"]
    assert len(errors) == 1 and "AUTHSESSION_USE_SECURE_COOKIES = True" in str(errors[0].hint)
    settings.AUTHSESSION_USE_SECURE_COOKIES = None
    settings.DEBUG = True  # secure cookies default to off in development
    assert "django_authsession.E017" in ids()
    settings.AUTHSESSION_USE_SECURE_COOKIES = True
    assert "django_authsession.E017" not in ids()


def test_e018_partitioned_needs_secure_cookies(settings) -> None:
    settings.AUTHSESSION_COOKIE_PARTITIONED = True
    settings.AUTHSESSION_USE_SECURE_COOKIES = False
    assert "django_authsession.E018" in ids()
    settings.AUTHSESSION_USE_SECURE_COOKIES = True
    assert "django_authsession.E018" not in ids()


@pytest.mark.parametrize(
    "domain", ["https://example.com", "example.com:8000", "example.com/api", "exa mple.com", 3]
)
def test_e019_malformed_cookie_domain(settings, domain) -> None:
    settings.AUTHSESSION_CROSS_SUBDOMAIN_COOKIE_DOMAIN = domain
    assert "django_authsession.E019" in ids()


def test_w013_cookie_domain_covering_no_allowed_host(settings) -> None:
    settings.ALLOWED_HOSTS = ["api.example.com"]
    for domain in ("example.com", ".example.com", "api.example.com"):
        settings.AUTHSESSION_CROSS_SUBDOMAIN_COOKIE_DOMAIN = domain
        assert ids() == set(), domain
    settings.AUTHSESSION_CROSS_SUBDOMAIN_COOKIE_DOMAIN = "example.org"
    assert "django_authsession.W013" in ids()
    settings.AUTHSESSION_CROSS_SUBDOMAIN_COOKIE_DOMAIN = "ample.com"  # not a parent domain
    assert "django_authsession.W013" in ids()


def test_e007_revocation_cache_shared_with_rate_limit_counters() -> None:
    # The same alias as django-ratelimit's counters...
    with override_settings(CACHES={"default": LOCAL}, AUTHSESSION_REVOCATION_CACHE="default"):
        assert "django_authsession.E007" in ids()
    # ...or another alias of the same local-memory store (same LOCATION).
    with override_settings(CACHES={"default": LOCAL, "authsession_revocation": LOCAL}):
        assert "django_authsession.E007" in ids()
    own = {**LOCAL, "LOCATION": "marks"}
    with override_settings(CACHES={"default": LOCAL, "authsession_revocation": own}):
        assert "django_authsession.E007" not in ids()


REDIS = "django.core.cache.backends.redis.RedisCache"


@pytest.mark.parametrize(
    ("counters", "marks"),
    [
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379"),  # db 0 either way
        ("redis://127.0.0.1:6379/2", "redis://127.0.0.1/2?socket_timeout=1"),  # default port
        ("redis://127.0.0.1:6379/2", "redis://127.0.0.1:6379?db=2"),
        ("redis://Cache.internal:6379/1", "rediss://user:pw@cache.internal:6379/1"),
        ("unix:///run/redis.sock?db=1", "unix:///run/redis.sock?db=1"),
    ],
)
def test_e007_two_aliases_on_one_redis_database(counters: str, marks: str) -> None:
    """Key prefixes do not separate two aliases: they share the database's memory, its
    eviction and a FLUSHDB."""
    caches = {
        "default": {"BACKEND": REDIS, "LOCATION": counters, "KEY_PREFIX": "counters"},
        "authsession_revocation": {"BACKEND": REDIS, "LOCATION": marks, "KEY_PREFIX": "marks"},
    }
    with override_settings(CACHES=caches):
        assert "django_authsession.E007" in ids()


@pytest.mark.parametrize(
    ("counters", "marks"),
    [
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/1"),
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6380/0"),
        ("redis://10.0.0.1:6379/0", "redis://10.0.0.2:6379/0"),
        ("unix:///run/redis.sock?db=0", "unix:///run/redis.sock?db=1"),
    ],
)
def test_e007_marks_on_a_redis_database_of_their_own(counters: str, marks: str) -> None:
    caches = {
        "default": {"BACKEND": REDIS, "LOCATION": counters},
        "authsession_revocation": {"BACKEND": REDIS, "LOCATION": marks},
    }
    with override_settings(CACHES=caches):
        assert "django_authsession.E007" not in ids()


def test_e008_malformed_trusted_proxy(settings) -> None:
    settings.AUTHSESSION_TRUSTED_PROXIES = ["10.0.0.0/8", "10.0.0.300", "proxy.internal"]
    errors = [m for m in run_checks() if m.id == "django_authsession.E008"]
    assert len(errors) == 2
    assert "'10.0.0.300'" in errors[0].msg
    assert "'proxy.internal'" in errors[1].msg
    settings.AUTHSESSION_TRUSTED_PROXIES = "10.0.0.1"  # a string, not a list
    assert "django_authsession.E008" in ids()
    settings.AUTHSESSION_TRUSTED_PROXIES = ["10.0.0.1", "2001:db8::/32"]
    assert "django_authsession.E008" not in ids()


def test_e009_per_process_revocation_cache_in_deploy() -> None:
    own = {**LOCAL, "LOCATION": "marks"}
    with override_settings(CACHES={"default": LOCAL, "authsession_revocation": own}):
        assert "django_authsession.E009" in ids(deploy=True)
        assert "django_authsession.E009" not in ids()  # development is fine


@pytest.fixture
def evicting_redis() -> Iterator[int]:
    """A Redis server of the test's own, with a memory limit and an evicting policy."""
    with redis_server("--maxmemory", "10mb", "--maxmemory-policy", "volatile-lru") as port:
        yield port


def test_w004_evicting_redis_policy(evicting_redis) -> None:
    caches_setting = {"default": LOCAL, "authsession_revocation": redis_at(evicting_redis)}
    with override_settings(CACHES=caches_setting):
        messages = [m for m in run_checks(include_deployment_checks=True) if m.id]
    warning = next(m for m in messages if m.id == "django_authsession.W004")
    assert "volatile-lru" in warning.msg
    assert not any(m.id == "django_authsession.E009" for m in messages)


def test_w004_not_for_a_redis_that_never_evicts() -> None:
    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs a Redis server: run with REDIS_URL (CI does)")
    with override_settings(
        CACHES={
            "default": LOCAL,
            "authsession_revocation": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": os.environ["REDIS_URL"],
            },
        }
    ):
        found = ids(deploy=True)
    assert "django_authsession.W004" not in found
    assert "django_authsession.W005" not in found


def test_w005_unreachable_redis_is_a_warning_not_a_hang() -> None:
    pytest.importorskip("redis")
    caches_setting = {"default": LOCAL, "authsession_revocation": redis_at(free_port())}
    started = time.monotonic()
    with override_settings(CACHES=caches_setting):
        found = ids(deploy=True)
    assert "django_authsession.W005" in found
    assert time.monotonic() - started < 5


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
    # django-redis too (Django's own checks build every cache, so it must be installed: the
    # "redis" extra brings it, as in CI's PostgreSQL + Redis pass).
    backend = "django_redis.cache.RedisCache" if find_spec("django_redis") else redis
    counters = {**replicated, "BACKEND": backend}
    with override_settings(CACHES={"default": single, "counters": counters}):
        assert "django_authsession.W010" not in ids(deploy=True)
        with override_settings(RATELIMIT_USE_CACHE="counters"):
            assert "django_authsession.W010" in ids(deploy=True)
    # Replicas are fine for a cache that holds neither marks nor counters.
    with override_settings(CACHES={"default": single, "pages": replicated}):
        assert "django_authsession.W010" not in ids(deploy=True)


def _example_deploy_check(**env: str) -> str:
    """``manage.py check --deploy`` on the example project, as production would run it."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDIS_"))}
    environ.update(
        DJANGO_SETTINGS_MODULE="example_project.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="a-production-secret-key-" + "k3y" * 20,
        DJANGO_ALLOWED_HOSTS="app.example.com",
        **env,
    )
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=root,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.stdout + done.stderr


def test_example_project_in_production_reports_nothing_of_ours() -> None:
    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs a Redis server: run with REDIS_URL (CI does)")
    assert "django_authsession." not in _example_deploy_check(REDIS_URL=os.environ["REDIS_URL"])
    # The same command does report ours when the marks are per process.
    assert "django_authsession.E009" in _example_deploy_check()


@pytest.mark.parametrize(
    "fields",
    [
        ["activeOrganizationId"],
        {"activeOrganizationId": {"type": "uuid"}},
        {"activeOrganizationId": "string"},
        {"token": {"type": "string"}},
        {"createdAt": {"type": "date"}},
        {"seats": {"type": "number", "default": "one"}},
        {"seats": {"type": "number", "inptu": True}},
    ],
)
def test_e032_session_fields(settings, fields) -> None:
    settings.AUTHSESSION_SESSION_FIELDS = fields
    assert "django_authsession.E032" in ids()


def test_e032_passes_a_well_formed_declaration(settings) -> None:
    settings.AUTHSESSION_SESSION_FIELDS = {
        "activeOrganizationId": {"type": "string", "default": None, "input": True},
        "seats": {"type": "number", "default": 3, "input": False, "required": True},
        "tags": {"type": "string[]", "default": []},
    }
    assert ids() == set()


@pytest.mark.parametrize("value", [-1, "1 day", 1.5, True])
def test_e033_fresh_age(settings, value) -> None:
    settings.AUTHSESSION_FRESH_AGE = value
    assert "django_authsession.E033" in ids()


@pytest.mark.parametrize("entry", ["https://app.example", "myapp", "*://", "myapp://*.example"])
def test_e034_native_origins(settings, entry) -> None:
    settings.AUTHSESSION_TRUSTED_NATIVE_ORIGINS = [entry]
    assert "django_authsession.E034" in ids()


def test_w021_expo_go_trusted_in_production(settings) -> None:
    settings.AUTHSESSION_TRUSTED_NATIVE_ORIGINS = ["myapp://"]
    assert "django_authsession.W021" not in ids(deploy=True)
    settings.AUTHSESSION_TRUSTED_NATIVE_ORIGINS = ["myapp://", "exp://"]
    assert "django_authsession.W021" in ids(deploy=True)


def test_w022_fresh_age_not_shorter_than_the_session(settings) -> None:
    settings.AUTHSESSION_FRESH_AGE = 604800
    assert "django_authsession.W022" in ids()
    settings.AUTHSESSION_FRESH_AGE = 0
    assert "django_authsession.W022" not in ids()
