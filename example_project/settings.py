"""Settings of the example project.

Development defaults: SQLite in ``db.sqlite3`` next to ``manage.py``, a local-memory cache and
``DEBUG`` on (so cookies are sent without ``Secure`` and http://127.0.0.1:8000 works).
Environment variables switch to production-like backends:

- ``DATABASE_URL`` (for example ``postgres://postgres@127.0.0.1:5432/authsession``): PostgreSQL.
- ``REDIS_URL`` (for example ``redis://127.0.0.1:6379/0``): Redis as the default cache, which
  holds the rate-limit counters and the revocation marks shared by every worker.
- ``DJANGO_DEBUG`` ("1" by default), ``DJANGO_SECRET_KEY``, ``DJANGO_ALLOWED_HOSTS``
  (comma-separated, "127.0.0.1,localhost" by default), ``DJANGO_CSRF_TRUSTED_ORIGINS``
  (comma-separated), ``DJANGO_CONN_MAX_AGE`` (seconds, 0 by default).
- ``AUTHSESSION_DEFAULT_RATE_LIMIT``: a rule such as "100/60s", or "off" (for load tests only).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def _env_bool(name: str, default: str) -> bool:
    return os.environ.get(name, default).strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = _env_bool("DJANGO_DEBUG", "1")
SECRET_KEY = os.environ.get(
    "DJANGO_SECRET_KEY",
    "example-project-development-secret-key-change-me-0123456789",
)
ALLOWED_HOSTS = _env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = _env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_authsession",
    "django_authsession.admin_api",
    "example_project",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_authsession.middleware.AuthSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "example_project.urls"
WSGI_APPLICATION = "example_project.wsgi.application"
ASGI_APPLICATION = "example_project.asgi.application"

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
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "0")),
    )
}

REDIS_URL = os.environ.get("REDIS_URL")
CACHES: dict[str, Any]
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "example",
        },
        # Revocation marks in an alias of their own, never shared with rate-limit counters.
        "authsession_revocation": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "example-revocation",
        },
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "authsession_revocation": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "authsession-revocation",
            "OPTIONS": {"MAX_ENTRIES": 10_000},  # culling would drop marks (300 by default)
        },
    }
    # Development only: rate-limit counters in a per-process cache are fine on one machine.
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]

AUTH_USER_MODEL = "django_authsession.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "django_authsession.authentication.AuthSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
}

# AUTHSESSION_USE_SECURE_COOKIES is left unset: the app turns Secure cookies off while DEBUG.
_rate_limit = os.environ.get("AUTHSESSION_DEFAULT_RATE_LIMIT")
if _rate_limit:
    AUTHSESSION_DEFAULT_RATE_LIMIT = None if _rate_limit.lower() == "off" else _rate_limit

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
