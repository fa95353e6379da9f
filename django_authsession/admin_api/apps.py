from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdminApiConfig(AppConfig):
    """Registers the ban guard (refuses sessions to banned users), the checks and the settings
    reload; the endpoints are mounted by ``django_authsession.urls`` when this app is installed."""

    name = "django_authsession.admin_api"
    label = "authsession_admin_api"
    verbose_name = _("Auth sessions: admin API")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.signals import setting_changed

        from .. import sessions
        from . import checks, service  # noqa: F401  (checks register on import)
        from .conf import admin_api_settings

        setting_changed.connect(
            admin_api_settings.reload, dispatch_uid="django_authsession.admin_api.conf"
        )
        sessions.add_sign_in_guard(service.refuse_banned)
