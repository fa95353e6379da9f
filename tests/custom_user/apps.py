from django.apps import AppConfig


class CustomUserConfig(AppConfig):
    """A project's own app holding a username-based user model, as ``startproject`` users write
    one (``AbstractUser`` subclass, no email uniqueness, no ``name`` field)."""

    name = "tests.custom_user"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"
