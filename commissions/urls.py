from django.urls import path

from . import approval_views, views

app_name = "commissions"

urlpatterns = [
    path("", views.commission_list, name="commission_list"),
    path("overview/", views.overview, name="overview"),
    path("actions/", views.action_list, name="action_list"),
    path("actions/<int:pk>/", views.action_detail, name="action_detail"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/print/", views.meeting_print, name="meeting_print"),
    path("meetings/<int:pk>/minutes/", views.meeting_minutes, name="meeting_minutes"),
    path("meetings/<int:pk>/attendance/", views.attendance_add, name="attendance_add"),
    path("meetings/<int:pk>/actions/", views.action_add, name="action_add"),
    path("items/<int:pk>/paragraphs/add/", views.paragraph_add, name="paragraph_add"),
    path("paragraphs/<int:pk>/move/", views.paragraph_move, name="paragraph_move"),
    path("paragraphs/<int:pk>/delete/", views.paragraph_delete, name="paragraph_delete"),
    # Minutes approval
    path("meetings/<int:pk>/circulate/", approval_views.meeting_circulate, name="meeting_circulate"),
    path("meetings/<int:pk>/return-to-draft/", approval_views.meeting_return_to_draft, name="meeting_return_to_draft"),
    path("meetings/<int:pk>/approve/", approval_views.meeting_approve, name="meeting_approve"),
    path("meetings/<int:pk>/publish/", approval_views.meeting_publish, name="meeting_publish"),
    path("paragraphs/<int:pk>/amend/", approval_views.paragraph_amend, name="paragraph_amend"),
    path("<slug:slug>/", views.commission_detail, name="commission_detail"),
    path("<slug:slug>/meetings/add/", views.meeting_add, name="meeting_add"),
]
