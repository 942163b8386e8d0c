from django.urls import path

from . import views

app_name = "papers"

urlpatterns = [
    path("rounds/<slug:round_slug>/board-paper.<str:file_format>", views.board_paper, name="board_paper"),
    path("meetings/<int:pk>/agenda-pack.<str:file_format>", views.agenda_pack, name="agenda_pack"),
    path("meetings/<int:pk>/minutes.<str:file_format>", views.minutes, name="minutes"),
]
