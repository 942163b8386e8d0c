from django.urls import include, path

from . import views

app_name = "indicators"

urlpatterns = [
    path("", views.rug, name="rug"),
    path("rug.csv", views.rug_csv, name="rug_csv"),
    path("rug.xlsx", views.rug_xlsx, name="rug_xlsx"),
    path("values.csv", views.values_csv, name="values_csv"),
    path("<int:number>/", views.indicator_detail, name="indicator_detail"),
    # Importing values: the upload page, its preview and the templates for locally reported indicators.
    path("", include("indicators.upload_urls")),
]
