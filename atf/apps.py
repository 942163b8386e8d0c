from django.apps import AppConfig


class AtfConfig(AppConfig):
    name = "atf"
    verbose_name = "All Together Fairer framework"

    def ready(self):
        from . import checks  # noqa: F401 - registers the system checks
