import importlib.util

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuthSessionConfig(AppConfig):
    """Registers system checks, signal receivers and (with drf-spectacular installed) the
    OpenAPI description; nothing else happens at start-up."""

    name = "django_authsession"
    label = "django_authsession"
    verbose_name = _("Auth sessions")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model, user_logged_in, user_logged_out
        from django.core.signals import setting_changed
        from django.db.models.signals import post_save, pre_delete

        from . import checks, receivers  # noqa: F401  (checks register on import)
        from .conf import app_settings

        if importlib.util.find_spec("drf_spectacular") is not None:
            from . import openapi  # noqa: F401  (drf-spectacular extensions register on import)

        setting_changed.connect(app_settings.reload, dispatch_uid="django_authsession.conf")
        post_save.connect(
            receivers.end_sessions_on_deactivation_or_password_change,
            sender=get_user_model(),
            dispatch_uid="django_authsession.end_sessions",
        )
        pre_delete.connect(
            receivers.end_sessions_on_delete,
            sender=get_user_model(),
            dispatch_uid="django_authsession.end_sessions_on_delete",
        )
        user_logged_out.connect(
            receivers.end_session_on_logout, dispatch_uid="django_authsession.end_on_logout"
        )
        user_logged_in.connect(
            receivers.remember_device_on_login,
            dispatch_uid="django_authsession.remember_device",
        )
