from django.urls import path

from fieldcrm.followup import views

app_name = "followup"
urlpatterns = [
    path("needs/", views.demand_list, name="list"),
    path("needs/<int:pk>/close", views.demand_close, name="close"),
    path("customers/<str:code>/needs/", views.customer_demands, name="customer"),
    path("customers/<str:code>/needs/raise", views.demand_raise, name="raise"),
]
