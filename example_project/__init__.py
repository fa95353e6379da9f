"""A runnable Django project showing django_authsession: a login page, a profile page, the
admin, a demo user command, and a few tiny views for benchmarks."""
