"""Settings for the test suite: SQLite and local memory by default; ``DATABASE_URL`` and
``REDIS_URL`` switch to PostgreSQL and Redis, where concurrency and shared caches are real."""

from __future__ import annotations

import os
from typing import Any

import dj_database_url

from example_project.settings import next_redis_database

SECRET_KEY = "test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
USE_TZ = True
TIME_ZONE = "UTC"
ROOT_URLCONF = "tests.urls"
AUTH_USER_MODEL = "django_authsession.User"
# The failed sign-in limits also apply to Django's own authenticate() (the admin's login form).
AUTHENTICATION_BACKENDS = [
    "django_authsession.backends.FailureLimitBackend",
    "django.contrib.auth.backends.ModelBackend",
]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_authsession",
    "django_authsession.activity",  # watched sessions: history, known devices, places
    "django_authsession.admin_api",
    "example_project",  # its demo-user command and pages are tested too
    "tests.full_name_user",  # user models with a full_name field, or none for the name
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_authsession.middleware.AuthSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "sqlite:///:memory:"), conn_max_age=0
    )
}
# Read-replica tests (tests/test_replicas.py), created only for the tests that ask for them:
# "replica" mirrors the primary (replication without lag); "lagging_replica" is a database of
# its own that a test fills by hand, to play a replica that has not caught up yet.
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
DATABASES["lagging_replica"] = {
    **DATABASES["default"],
    "TEST": {"NAME": None}
    if DATABASES["default"]["ENGINE"].endswith("sqlite3")
    else {"NAME": f"test_{DATABASES['default']['NAME']}_lagging"},
}

REDIS_URL = os.environ.get("REDIS_URL")
CACHES: dict[str, Any]
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # Unique per run so parallel runs do not share marks; a subprocess can inherit it.
            "KEY_PREFIX": os.environ.setdefault(
                "AUTHSESSION_TEST_CACHE_PREFIX", f"authsession-test-{os.getpid()}"
            ),
        }
    }
    # Revocation marks in a Redis database of their own, the next one on the same server
    # (REDIS_URL's index + 1): nothing else writes there, so client traffic cannot evict a
    # mark, and a test can flush it alone.
    CACHES["authsession_revocation"] = {
        **CACHES["default"],
        "LOCATION": next_redis_database(REDIS_URL),
        "KEY_PREFIX": f"{CACHES['default']['KEY_PREFIX']}-revocation",
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        # Its own LOCATION: local-memory caches with the same LOCATION share one store.
        "authsession_revocation": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "authsession-revocation",
        },
    }

# Tests count requests against the default cache; local memory is per process on purpose.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STATIC_URL = "/static/"

# Django 6.1 sends mail through MAILERS (EMAIL_BACKEND is deprecated there; 5.2 ignores this).
# Django's test environment replaces it with its local-memory outbox either way.
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
