from django.urls import path

from . import level_views, round_views, views

app_name = "stocktake"

urlpatterns = [
    path("rounds/", views.round_list, name="round_list"),
    path("rounds/<slug:round_slug>/coverage/", views.round_coverage, name="coverage"),
    path("rounds/<slug:round_slug>/workbook/", views.round_workbook, name="round_workbook"),
    path("rounds/<slug:round_slug>/places/<slug:place_slug>/", views.return_detail, name="return_detail"),
    path(
        "rounds/<slug:round_slug>/places/<slug:place_slug>/<str:kind>/<int:number>/add/",
        views.entry_add,
        name="entry_add",
    ),
    path("rounds/<slug:round_slug>/places/<slug:place_slug>/submit/", views.return_submit, name="return_submit"),
    path("rounds/<slug:round_slug>/places/<slug:place_slug>/review/", views.return_review, name="return_review"),
    path("rounds/<slug:round_slug>/places/<slug:place_slug>/reopen/", views.return_reopen, name="return_reopen"),
    path("rounds/<slug:round_slug>/places/<slug:place_slug>/upload/", views.return_upload, name="return_upload"),
    path(
        "rounds/<slug:round_slug>/places/<slug:place_slug>/upload/<str:token>/",
        views.return_upload_confirm,
        name="return_upload_confirm",
    ),
    path("entries/", views.entry_list, name="entry_list"),
    path("entries/<int:pk>/", views.entry_detail, name="entry_detail"),
    path("entries/<int:pk>/edit/", views.entry_edit, name="entry_edit"),
    path("entries/<int:pk>/delete/", views.entry_delete, name="entry_delete"),
    path("entries/<int:pk>/move/", views.entry_move, name="entry_move"),
    path("compare/", views.compare, name="compare"),
    path("search/", views.search, name="search"),
    # Running rounds (stocktake.round_views): for the ICS's reviewers.
    path("rounds/new/", round_views.round_new, name="round_new"),
    path("rounds/<slug:round_slug>/manage/", round_views.round_manage, name="round_manage"),
    path(
        "rounds/<slug:round_slug>/manage/places/<slug:place_slug>/deadline/",
        round_views.return_deadline,
        name="return_deadline",
    ),
    path("rounds/<slug:round_slug>/manage/schedule/", round_views.round_schedule, name="round_schedule"),
    path("rounds/<slug:round_slug>/close/", round_views.round_close, name="round_close"),
    path("rounds/<slug:round_slug>/reopen/", round_views.round_reopen, name="round_reopen"),
]

# Activity above borough level (stocktake.level_views): the ICS's, a sub-region's or a combined authority's column.
urlpatterns += [
    path("rounds/<slug:round_slug>/activity/<slug:place_slug>/", level_views.level_return, name="level_return"),
    path(
        "rounds/<slug:round_slug>/activity/<slug:place_slug>/<str:kind>/<int:number>/add/",
        level_views.level_entry_add,
        name="level_entry_add",
    ),
    path(
        "rounds/<slug:round_slug>/activity/<slug:place_slug>/entries/<int:pk>/edit/",
        level_views.level_entry_edit,
        name="level_entry_edit",
    ),
]
