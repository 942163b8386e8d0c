from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import framework_views, health, signin, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Password reset by email, with Django's own views: the same answer whether or not the address is known.
    path(
        "accounts/password-reset/",
        auth_views.PasswordResetView.as_view(
            html_email_template_name="registration/password_reset_email.html",
            email_template_name="registration/password_reset_email.txt",
        ),
        name="password_reset",
    ),
    path("accounts/password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        signin.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("admin/", admin.site.urls),
    path("stocktake/", include("stocktake.urls")),
    path("commissions/", include("commissions.urls")),
    path("indicators/", include("indicators.urls")),
    path("notifications/", include("notifications.urls")),
    path("jobs/", include("jobs.urls")),
    path("calendar/", include("calendars.urls")),
    path("api/", include("api.urls")),
    path("papers/", include("papers.urls")),
    path("open-data/", include("opendata.urls")),
    # A commission's public pages (its published agendas, minutes and decisions), readable signed out.
    path("public/commissions/", include("commissions.public_urls")),
    path("search/", include("search.urls")),
    path("themes/<int:pk>/", views.theme_detail, name="theme_detail"),
    path("frameworks/", framework_views.framework_list, name="framework_list"),
    path("frameworks/<slug:slug>/", framework_views.framework_detail, name="framework_detail"),
    path("frameworks/<slug:slug>/new-version/", framework_views.framework_new_version, name="framework_new_version"),
]

handler403 = "atf.views.permission_denied"
