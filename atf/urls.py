from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import health, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("stocktake/", include("stocktake.urls")),
    path("commissions/", include("commissions.urls")),
    path("indicators/", include("indicators.urls")),
    path("themes/<int:pk>/", views.theme_detail, name="theme_detail"),
]

handler403 = "atf.views.permission_denied"
