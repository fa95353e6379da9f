from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivityConfig(AppConfig):
    """Connects the receivers that record the security history and installs the location
    resolver; nothing else happens at start-up."""

    name = "django_authsession.activity"
    label = "authsession_activity"
    verbose_name = _("Security activity")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.signals import setting_changed

        from .. import sessions
        from . import checks, places, receivers  # noqa: F401  (checks register on import)
        from .conf import activity_settings

        setting_changed.connect(activity_settings.reload, dispatch_uid="authsession_activity.conf")
        setting_changed.connect(places.reset, dispatch_uid="authsession_activity.places")
        receivers.connect()
        sessions.set_locator(places.locate)
