from django.apps import AppConfig


class CommissionsConfig(AppConfig):
    name = "commissions"
    verbose_name = "Inequalities Commissions"

    def ready(self):
        from . import agenda_services  # noqa: F401 - a deleted paper's file is deleted with it
