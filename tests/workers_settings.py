"""The example project's settings, as tests/test_workers.py runs them under gunicorn. Changes:
the user model (and its app) of the test settings module that runs the suite, since the workers
share its database; the test suite's fast password hasher, so a failed sign-in costs
milliseconds rather than a full PBKDF2 run; and a higher limit on the session read, because the
refresh tests send twenty reads in a second from one address (sign-in keeps the default
10 per minute that the rate-limit test checks)."""

import importlib
import os

from example_project.settings import *  # noqa: F403
from example_project.settings import INSTALLED_APPS

_tests = importlib.import_module(os.environ.get("AUTHSESSION_TEST_SETTINGS", "tests.settings"))
AUTH_USER_MODEL = _tests.AUTH_USER_MODEL
INSTALLED_APPS = [*INSTALLED_APPS, *(a for a in _tests.INSTALLED_APPS if a not in INSTALLED_APPS)]

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTHSESSION_RATE_LIMITS = {"/session": "1000/60s"}
ROOT_URLCONF = "tests.workers_urls"
