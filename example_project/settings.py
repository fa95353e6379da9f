"""Settings of the example project.

Development defaults: SQLite in ``db.sqlite3`` next to ``manage.py``, a local-memory cache and
``DEBUG`` on (so cookies are sent without ``Secure`` and http://127.0.0.1:8000 works).
Environment variables switch to production-like backends:

- ``DATABASE_URL`` (for example ``postgres://postgres@127.0.0.1:5432/authsession``): PostgreSQL.
- ``REDIS_URL`` (for example ``redis://127.0.0.1:6379/0``): Redis as the default cache, which
  holds the rate-limit counters shared by every worker. The revocation marks go to
  ``REDIS_REVOCATION_URL``, by default the next database of the same server
  (``redis://127.0.0.1:6379/1``): a database of their own, which counters cannot fill and a
  ``FLUSHDB`` of the counters does not empty.
- ``DJANGO_DEBUG`` ("1" by default), ``DJANGO_SECRET_KEY``, ``DJANGO_ALLOWED_HOSTS``
  (comma-separated, "127.0.0.1,localhost" by default), ``DJANGO_CSRF_TRUSTED_ORIGINS``
  (comma-separated), ``DJANGO_CONN_MAX_AGE`` (seconds, 0 by default).
- ``AUTHSESSION_DEFAULT_RATE_LIMIT``: a rule such as "100/60s", or "off" (for load tests only).
- ``DJANGO_EMAIL_FILE_PATH``: a directory; new-device mails are written there as files instead
  of printed on the console.
- ``AUTHSESSION_GEOIP_PATH``: a MaxMind GeoLite2/GeoIP2 ``.mmdb`` file, for places.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import dj_database_url
import django

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
    "django_authsession.activity",  # last activity, places, security history, new-device mail
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


REDIS_DATABASES = 16  # Redis's default "databases"


def next_redis_database(url: str) -> str:
    """Another database of the same Redis server: the next one (``redis://host:6379/0`` ->
    ``.../1``), or the one before when ``url`` is on the last of Redis's 16 default databases
    (``/15`` -> ``/14``). ``REDIS_REVOCATION_URL`` overrides it in the example."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    # redis-py reads ?db= before the path: the new index goes in the path alone.
    current = int(query.pop("db", [parts.path.strip("/") or "0"])[0])
    db = current + 1 if current + 1 < REDIS_DATABASES else current - 1
    return urlunsplit(parts._replace(path=f"/{db}", query=urlencode(query, doseq=True)))


REDIS_URL = os.environ.get("REDIS_URL")
CACHES: dict[str, Any]
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "example",
        },
        # Revocation marks in an alias and a Redis database of their own, never shared with
        # rate-limit counters (system check E007).
        "authsession_revocation": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": os.environ.get("REDIS_REVOCATION_URL") or next_redis_database(REDIS_URL),
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
# The failed sign-in limits also apply to Django's own authenticate() (the admin's login form).
AUTHENTICATION_BACKENDS = [
    "django_authsession.backends.FailureLimitBackend",
    "django.contrib.auth.backends.ModelBackend",
]
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

# Watched sessions: mail the user when a new browser signs in to their account. The mail goes
# to the console, or to files in DJANGO_EMAIL_FILE_PATH when that is set.
AUTHSESSION_NOTIFY_NEW_DEVICE = True
AUTHSESSION_DEVICE_PAGE_URL = "/profile"
_email_files = os.environ.get("DJANGO_EMAIL_FILE_PATH")
_mail_backend = "django.core.mail.backends.{}.EmailBackend".format(
    "filebased" if _email_files else "console"
)
if django.VERSION >= (6, 1):  # MAILERS replaces EMAIL_BACKEND and EMAIL_FILE_PATH
    MAILERS = {
        "default": {
            "BACKEND": _mail_backend,
            "OPTIONS": {"file_path": _email_files} if _email_files else {},
        }
    }
else:
    EMAIL_BACKEND = _mail_backend
    if _email_files:
        EMAIL_FILE_PATH = _email_files
DEFAULT_FROM_EMAIL = "django-authsession example <noreply@example.com>"
# Places from a MaxMind GeoLite2 City database, when you have one (nothing is downloaded).
if os.environ.get("AUTHSESSION_GEOIP_PATH"):
    AUTHSESSION_GEOIP_PATH = os.environ["AUTHSESSION_GEOIP_PATH"]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
