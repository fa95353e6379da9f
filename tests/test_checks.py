"""One test per system check (django_authsession.E00x / W00x)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from importlib.util import find_spec

import pytest
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
    with override_settings(CACHES={"default": LOCAL}):
        assert "django_authsession.E006" in ids()
    with override_settings(CACHES={"default": LOCAL}, AUTHSESSION_COOKIE_CACHE=False):
        assert "django_authsession.E006" not in ids()  # no cookie cache, no marks


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
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("needs redis-server")
    pytest.importorskip("redis")
    port = free_port()
    process = subprocess.Popen(
        [
            server,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--maxmemory",
            "10mb",
            "--maxmemory-policy",
            "volatile-lru",
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(50):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


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
