from django.urls import path

from fieldcrm.imports import views

app_name = "imports"
urlpatterns = [
    path("imports/", views.upload, name="upload"),
    path("imports/<int:pk>/", views.preview, name="preview"),
    path("imports/<int:pk>/progress", views.progress, name="progress"),
    path("imports/<int:pk>/confirm", views.confirm, name="confirm"),
    path("imports/<int:pk>/report.xlsx", views.report, name="report"),
    path("imports/template/<slug:kind>.xlsx", views.template, name="template"),
]
