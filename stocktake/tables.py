import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from .models import Entry


class EntryTable(tables.Table):
    round = tables.Column(accessor="round__name", verbose_name="Round", order_by=("round__name",))
    section = tables.Column(
        accessor="theme__number",
        verbose_name="Theme",
        order_by=("system_recommendation__number", "theme__number"),
        empty_values=(),
    )
    level = tables.Column()
    places = tables.Column(empty_values=(), orderable=False, verbose_name="Places")
    text = tables.Column(verbose_name="Activity", attrs={"td": {"class": "atf-text-cell"}})

    class Meta:
        model = Entry
        fields = ("round", "section", "level", "places", "text")
        order_by = ("round", "section")
        attrs = {"class": "nhsuk-table"}
        template_name = "stocktake/table.html"
        per_page = 50

    def render_section(self, record):
        if record.theme_id:
            return f"Theme {record.theme.number}"
        return f"System {record.system_recommendation.number}"

    def render_places(self, record):
        return ", ".join(p.label for p in record.places.all()) or "—"

    def render_text(self, record):
        return format_html(
            '<a href="{}">{}</a>', reverse("stocktake:entry_detail", args=[record.pk]), record.full_text[:300]
        )

    def value_text(self, record):
        return record.full_text

    def value_places(self, record):
        return "; ".join(p.name for p in record.places.all())

    def value_section(self, record):
        return f"{record.theme or record.system_recommendation}"
