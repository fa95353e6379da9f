"""The custom user model of the second test run (``tests.settings_custom_user``)."""

from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """Username-based, integer primary key, ``first_name``/``last_name``, ``date_joined``."""
