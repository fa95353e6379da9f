"""The example project's settings, as tests/test_workers.py runs them under gunicorn. Two
changes: the test suite's fast password hasher, so users made by the tests' factories can sign
in and a failed sign-in costs milliseconds rather than a full PBKDF2 run; and a higher limit on
the session read, because the refresh tests send twenty reads in a second from one address
(sign-in keeps the default 10 per minute that the rate-limit test checks)."""

from example_project.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTHSESSION_RATE_LIMITS = {"/session": "1000/60s"}
