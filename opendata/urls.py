from django.urls import path

from . import views

app_name = "opendata"

urlpatterns = [
    # Public: the page and its downloads.
    path("", views.index, name="index"),
    path("rounds/<slug:slug>.<str:file_format>", views.round_download, name="round_download"),
    path("commissions/<slug:slug>.<str:file_format>", views.commission_download, name="commission_download"),
    path("indicators/<slug:slug>.<str:file_format>", views.indicators_download, name="indicators_download"),
    # Signed in: putting datasets on the page and taking them off.
    path("rounds/<slug:slug>/publish/", views.round_switch, name="round_switch"),
    path("commissions/<slug:slug>/publish/", views.commission_switch, name="commission_switch"),
    path("indicators/<slug:slug>/publish/", views.indicators_switch, name="indicators_switch"),
]
