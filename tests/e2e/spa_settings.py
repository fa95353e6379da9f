"""Settings of the API server that tests/e2e/test_spa_cross_origin.py starts for a single-page
app on another origin: the e2e server's settings, plus django-cors-headers allowing the app's
origin with credentials, that origin in ``CSRF_TRUSTED_ORIGINS``, and the cookie settings the
test passes in the environment (``AUTHSESSION_E2E_SPA_*``)."""

from __future__ import annotations

import json
import os
from importlib import import_module

_server = import_module("tests.e2e.server_settings")
globals().update({name: value for name, value in vars(_server).items() if name.isupper()})

SPA_ORIGIN = os.environ["AUTHSESSION_E2E_SPA_ORIGIN"]

INSTALLED_APPS = [*_server.INSTALLED_APPS, "corsheaders"]
# First, so a preflight (OPTIONS) is answered before anything else looks at it.
MIDDLEWARE = ["corsheaders.middleware.CorsMiddleware", *_server.MIDDLEWARE]
CORS_ALLOWED_ORIGINS = [SPA_ORIGIN]
CORS_ALLOW_CREDENTIALS = True  # the cookies travel with the app's requests
CSRF_TRUSTED_ORIGINS = [SPA_ORIGIN]  # the Origin rule of the app's unsafe requests

# The test's cookie settings, e.g. {"AUTHSESSION_COOKIE_SAMESITE": "None", ...}.
globals().update(json.loads(os.environ.get("AUTHSESSION_E2E_SPA_SETTINGS", "{}")))
