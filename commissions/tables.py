import django_tables2 as tables
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from .models import Action


class ActionTable(tables.Table):
    reference = tables.Column(verbose_name="Minute")
    description = tables.Column(verbose_name="Action")
    owner = tables.Column()
    due = tables.DateColumn(format="j M Y")
    status = tables.Column()
    commission = tables.Column(accessor="commission__name", verbose_name="Commission")

    class Meta:
        model = Action
        fields = ("commission", "reference", "description", "owner", "due", "status")
        order_by = ("due",)
        attrs = {"class": "nhsuk-table"}
        template_name = "stocktake/table.html"

    def render_description(self, record):
        return format_html(
            '<a href="{}">{}</a>', reverse("commissions:action_detail", args=[record.pk]), record.description[:200]
        )

    def render_status(self, record):
        if record.is_overdue(timezone.localdate()):
            return format_html(
                '<strong class="nhsuk-tag nhsuk-tag--red">Overdue</strong> {}', record.get_status_display()
            )
        return record.get_status_display()

    def value_description(self, record):
        return record.description

    def value_status(self, record):
        return ("Overdue, " if record.is_overdue(timezone.localdate()) else "") + record.get_status_display()
