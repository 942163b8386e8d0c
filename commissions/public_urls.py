"""A commission's public pages, under /public/commissions/: readable without signing in (``public_views``)."""

from django.urls import path

from . import public_views

app_name = "public"

urlpatterns = [
    path("", public_views.commission_list, name="commission_list"),
    path("<slug:slug>/", public_views.commission_detail, name="commission_detail"),
    path("<slug:slug>/meetings/<int:pk>/", public_views.meeting_detail, name="meeting_detail"),
    path("<slug:slug>/papers/<int:pk>/", public_views.paper_download, name="paper_download"),
]
