from django.apps import AppConfig


class FullNameUserConfig(AppConfig):
    """User models that keep a person's name in ``full_name``, or nowhere: where the name
    given at sign-up goes (``tests.settings_full_name_user`` makes the first one the user
    model)."""

    name = "tests.full_name_user"
    label = "full_name_user"
    default_auto_field = "django.db.models.BigAutoField"
