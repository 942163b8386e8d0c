"""Importing indicator values: the upload page, its preview, and the templates for locally reported indicators."""

from django.urls import path

from . import upload_views

urlpatterns = [
    path("upload/", upload_views.upload, name="upload"),
    path("upload/<str:token>/", upload_views.upload_preview, name="upload_preview"),
    path("upload/<str:token>/discard/", upload_views.upload_discard, name="upload_discard"),
    path("template/<int:number>.csv", upload_views.template_csv, name="template_csv"),
    path("template/<int:number>.xlsx", upload_views.template_xlsx, name="template_xlsx"),
]
