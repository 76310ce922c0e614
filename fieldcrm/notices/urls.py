from django.urls import path

from fieldcrm.notices import views

app_name = "notices"
urlpatterns = [
    path("notices/", views.inbox, name="inbox"),
    path("notices/<int:pk>/read", views.read, name="read"),
    path("notices/read-all", views.read_all, name="read_all"),
]
