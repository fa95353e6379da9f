"""Settings of the benchmark project: the example project's (environment variables and all),
with the benchmark's own URLconf (``bench/urls.py``), so the example project mounts no benchmark
views. ``DJANGO_SETTINGS_MODULE=bench.settings``."""

from example_project.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
WSGI_APPLICATION = "bench.wsgi.application"
ASGI_APPLICATION = "bench.asgi.application"
# New-device mails are rendered and sent as in the example, into a backend that prints nothing.
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
