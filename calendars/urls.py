from django.urls import path, register_converter

from . import views

app_name = "calendars"


class TokenConverter:
    """A feed token as secrets.token_urlsafe makes it."""

    regex = r"[A-Za-z0-9_-]{1,100}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(TokenConverter, "feedtoken")

urlpatterns = [
    path("", views.calendar_page, name="calendar"),
    path("reset/", views.calendar_reset, name="reset"),
    path("<feedtoken:token>.ics", views.user_feed, name="user_feed"),
    path("<feedtoken:token>/commissions/<slug:slug>.ics", views.commission_feed, name="commission_feed"),
]
