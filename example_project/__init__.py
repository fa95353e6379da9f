"""A runnable Django project showing django_authsession: a login page, a profile page, the
admin and a demo user command (the benchmarks have their own project in ``bench/``)."""
