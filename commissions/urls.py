from django.urls import path

from . import agenda, approval_views, content, people, views

app_name = "commissions"

urlpatterns = [
    path("", views.commission_list, name="commission_list"),
    path("overview/", views.overview, name="overview"),
    path("actions/", views.action_list, name="action_list"),
    path("actions/<int:pk>/", views.action_detail, name="action_detail"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/print/", views.meeting_print, name="meeting_print"),
    path("meetings/<int:pk>/minutes/", views.meeting_minutes, name="meeting_minutes"),
    path("items/<int:pk>/paragraphs/add/", views.paragraph_add, name="paragraph_add"),
    path("paragraphs/<int:pk>/move/", views.paragraph_move, name="paragraph_move"),
    path("paragraphs/<int:pk>/delete/", views.paragraph_delete, name="paragraph_delete"),
    # The minutes' content on the pages
    path("meetings/<int:pk>/attendance/", content.attendance_add, name="attendance_add"),
    path("attendance/<int:pk>/edit/", content.attendance_edit, name="attendance_edit"),
    path("attendance/<int:pk>/delete/", content.attendance_delete, name="attendance_delete"),
    path("paragraphs/<int:pk>/edit/", content.paragraph_edit, name="paragraph_edit"),
    path("paragraphs/<int:pk>/add-after/", content.paragraph_add_after, name="paragraph_add_after"),
    path("meetings/<int:pk>/decisions/", content.decision_add, name="decision_add"),
    path("decisions/<int:pk>/edit/", content.decision_edit, name="decision_edit"),
    path("decisions/<int:pk>/delete/", content.decision_delete, name="decision_delete"),
    path("meetings/<int:pk>/questions/", content.question_add, name="question_add"),
    path("questions/<int:pk>/edit/", content.question_edit, name="question_edit"),
    path("questions/<int:pk>/delete/", content.question_delete, name="question_delete"),
    # The agenda before the meeting
    path("meetings/<int:pk>/agenda/items/add/", agenda.agenda_item_add, name="agenda_item_add"),
    path("meetings/<int:pk>/agenda/send/", agenda.agenda_send, name="agenda_send"),
    path("meetings/<int:pk>/agenda/print/", agenda.meeting_agenda_print, name="meeting_agenda_print"),
    path("agenda/items/<int:pk>/edit/", agenda.agenda_item_edit, name="agenda_item_edit"),
    path("agenda/items/<int:pk>/move/", agenda.agenda_item_move, name="agenda_item_move"),
    path("agenda/items/<int:pk>/remove/", agenda.agenda_item_remove, name="agenda_item_remove"),
    path("agenda/items/<int:pk>/papers/add/", agenda.agenda_paper_add, name="agenda_paper_add"),
    path("agenda/papers/<int:pk>/", agenda.agenda_paper_download, name="agenda_paper_download"),
    path("agenda/papers/<int:pk>/remove/", agenda.agenda_paper_remove, name="agenda_paper_remove"),
    # Minutes approval
    path("meetings/<int:pk>/circulate/", approval_views.meeting_circulate, name="meeting_circulate"),
    path("meetings/<int:pk>/return-to-draft/", approval_views.meeting_return_to_draft, name="meeting_return_to_draft"),
    path("meetings/<int:pk>/approve/", approval_views.meeting_approve, name="meeting_approve"),
    path("meetings/<int:pk>/publish/", approval_views.meeting_publish, name="meeting_publish"),
    path("paragraphs/<int:pk>/amend/", approval_views.paragraph_amend, name="paragraph_amend"),
    # Actions and members on the pages
    path("meetings/<int:pk>/actions/", people.action_add, name="action_add"),
    path("actions/<int:pk>/edit/", people.action_edit, name="action_edit"),
    path("<slug:slug>/members/add/", people.member_add, name="member_add"),
    path("members/<int:pk>/edit/", people.member_edit, name="member_edit"),
    path("members/<int:pk>/end/", people.member_end, name="member_end"),
    path("members/<int:pk>/remove/", people.member_remove, name="member_remove"),
    path("<slug:slug>/", views.commission_detail, name="commission_detail"),
    path("<slug:slug>/meetings/add/", views.meeting_add, name="meeting_add"),
]
