from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "Read API"

    def ready(self):
        # The bearer-token scheme in the OpenAPI schema (drf-spectacular finds it by import).
        from . import schema  # noqa: F401
