from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.test import Client

from django_authsession import cookies, revocation
from django_authsession.conf import app_settings
from django_authsession.tokens import sign_cookie_value
from tests.factories import SUPPLIED_USER_MODEL, UserFactory, create_session
from tests.helpers import origin_client


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "supplied_user_model: about the supplied user model; skipped under another AUTH_USER_MODEL",
    )
    config.addinivalue_line(
        "markers",
        "custom_user_model: about the username-based model of tests.settings_custom_user",
    )
    config.addinivalue_line(
        "markers",
        "full_name_user_model: runs only under tests.settings_full_name_user (a subprocess)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The suite runs under both user models (CI runs it twice); a few tests are about one."""
    skip_marker = "custom_user_model" if SUPPLIED_USER_MODEL else "supplied_user_model"
    reason = (
        "needs the custom user model: --ds=tests.settings_custom_user"
        if SUPPLIED_USER_MODEL
        else "about the supplied user model"
    )
    full_name_run = django_settings.AUTH_USER_MODEL == "full_name_user.FullNameUser"
    for item in items:
        if item.get_closest_marker(skip_marker):
            item.add_marker(pytest.mark.skip(reason=reason))
        if item.get_closest_marker("full_name_user_model") and not full_name_run:
            item.add_marker(pytest.mark.skip(reason="runs under tests.settings_full_name_user"))


@pytest.fixture(autouse=True)
def _clear_caches(settings: Any) -> Iterator[None]:
    """Rate-limit counters and revocation marks must not leak from one test to the next."""
    for alias in settings.CACHES:
        caches[alias].clear()
    # A mark store that has held every mark written: without the generation key, the first
    # cookie-cache hit of each test would be answered by the database (the store lost marks).
    revocation.trust_cookie_caches_from(0)
    yield
    for alias in settings.CACHES:
        caches[alias].clear()


@pytest.fixture
def user(db: None) -> Any:
    return UserFactory()


@pytest.fixture
def client() -> Client:
    return origin_client()


@pytest.fixture
def signed_in(client: Client, user: Any) -> tuple[Client, Any, str]:
    """A client holding a session cookie (no cookie cache yet) for ``user``."""
    session, token = create_session(user)
    client.cookies[cookies.token_cookie_name()] = sign_cookie_value(token)
    return client, session, token


@pytest.fixture
def make_client() -> Callable[[], Client]:
    return origin_client


CACHE_METHODS = (
    "get",
    "get_many",
    "set",
    "set_many",
    "add",
    "incr",
    "decr",
    "delete",
    "delete_many",
    "has_key",
    "touch",
)


@pytest.fixture
def cache_calls(monkeypatch) -> Counter[str]:
    """Counts calls made to the default cache (rate limits) and the revocation cache (marks);
    a backend's own inner calls (local memory's get_many calls get) are not counted again."""
    calls: Counter[str] = Counter()
    depth = [0]
    for cache in (caches["default"], caches[app_settings.REVOCATION_CACHE]):
        for name in CACHE_METHODS:
            original = getattr(cache, name)

            def counted(*args, __name=name, __original=original, **kwargs):
                if depth[0] == 0:
                    calls[__name] += 1
                depth[0] += 1
                try:
                    return __original(*args, **kwargs)
                finally:
                    depth[0] -= 1

            monkeypatch.setattr(cache, name, counted)
    return calls
