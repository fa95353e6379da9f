from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client

from django_authsession import cookies
from django_authsession.tokens import sign_cookie_value
from tests.factories import UserFactory, create_session
from tests.helpers import origin_client


@pytest.fixture(autouse=True)
def _clear_caches(settings: Any) -> Iterator[None]:
    """Rate-limit counters and revocation marks must not leak from one test to the next."""
    for alias in settings.CACHES:
        caches[alias].clear()
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
