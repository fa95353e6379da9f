from django.apps import AppConfig


class ExampleProjectConfig(AppConfig):
    """Installed so that its templates and the ``create_demo_user`` command are found."""

    name = "example_project"
    verbose_name = "Example project"
