"""The example project's settings without ``AuthSessionMiddleware``: the baseline server of
target (5b) in ``bench/session_bench.py`` (``DJANGO_SETTINGS_MODULE=bench.settings_nomw``)."""

from example_project.settings import *  # noqa: F403
from example_project.settings import MIDDLEWARE as _EXAMPLE_MIDDLEWARE

AUTHSESSION_MIDDLEWARE = "django_authsession.middleware.AuthSessionMiddleware"

MIDDLEWARE = [entry for entry in _EXAMPLE_MIDDLEWARE if entry != AUTHSESSION_MIDDLEWARE]
