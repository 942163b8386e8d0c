from django.apps import AppConfig


class AtfConfig(AppConfig):
    name = "atf"
    verbose_name = "All Together Fairer framework"
