"""The benchmark settings without ``AuthSessionMiddleware``: the baseline server of target (5b)
in ``bench/session_bench.py`` (``DJANGO_SETTINGS_MODULE=bench.settings_nomw``)."""

from bench.settings import *  # noqa: F403
from bench.settings import MIDDLEWARE as _BENCH_MIDDLEWARE

AUTHSESSION_MIDDLEWARE = "django_authsession.middleware.AuthSessionMiddleware"

MIDDLEWARE = [entry for entry in _BENCH_MIDDLEWARE if entry != AUTHSESSION_MIDDLEWARE]
# The check that asks for the middleware is what this server is about to do without.
SILENCED_SYSTEM_CHECKS = [*globals().get("SILENCED_SYSTEM_CHECKS", []), "django_authsession.E001"]
