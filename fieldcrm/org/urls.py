from django.urls import path

from fieldcrm.org import views

app_name = "org"
urlpatterns = [
    path("account/", views.account, name="account"),
    path("account/tokens/<int:pk>/revoke", views.revoke_token, name="revoke_token"),
]
