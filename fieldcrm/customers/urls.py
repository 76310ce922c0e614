from django.urls import path

from fieldcrm.customers.views import profiles, requests

app_name = "customers"
urlpatterns = [
    path("customers/", profiles.customer_list, name="list"),
    path("customers/export.xlsx", profiles.customer_export, name="export"),
    path("customers/<str:code>/", profiles.customer_detail, name="detail"),
    path("customers/<str:code>/propose", profiles.customer_propose, name="propose"),
    path("customers/<str:code>/verify", profiles.customer_verify, name="verify"),
    path("requests/", requests.change_request_list, name="requests"),
    path("requests/<int:pk>/decide", requests.change_request_decide, name="decide"),
    path("requests/<int:pk>/withdraw", requests.change_request_withdraw, name="withdraw"),
]
