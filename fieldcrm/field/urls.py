from django.urls import path

from fieldcrm.field import views

urlpatterns = [
    path("field/", views.today_page, name="field_today"),
    path("sw.js", views.service_worker, name="field_service_worker"),
    path("manifest.webmanifest", views.manifest, name="field_manifest"),
]
