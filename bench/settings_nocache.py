"""The benchmark settings with the cookie cache off: the server of target (3) in
``bench/session_bench.py``, where every request answers from the database and no
``session_data`` cookie is written (``DJANGO_SETTINGS_MODULE=bench.settings_nocache``)."""

from bench.settings import *  # noqa: F403

AUTHSESSION_COOKIE_CACHE = False
