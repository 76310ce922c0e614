from django.urls import path

from fieldcrm.care import views

app_name = "care"
urlpatterns = [
    path("service-plan/", views.service_plan, name="plan"),
    path("service-plan/<int:pk>/done", views.task_done, name="done"),
    path("service-plan/<int:pk>/send", views.task_send, name="send"),
    path("outbox/", views.outbox, name="outbox"),
]
