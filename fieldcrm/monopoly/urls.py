from django.urls import path

from fieldcrm.monopoly import views

app_name = "monopoly"
urlpatterns = [
    path("market-reports/", views.report_list, name="list"),
    path("market-reports/new/", views.report_new, name="new"),
    path("market-reports/counts/", views.report_counts, name="counts"),
    path("market-reports/summary/", views.summary, name="summary"),
    path("market-reports/summary/xlsx/", views.summary_export, name="summary_export"),
    path("market-reports/stores/", views.store_search, name="store_search"),
    path("market-reports/<int:pk>/", views.report_detail, name="detail"),
    path("market-reports/<int:pk>/outcome/", views.report_outcome, name="outcome"),
    path("market-reports/<int:pk>/acknowledge/", views.report_acknowledge, name="acknowledge"),
]
