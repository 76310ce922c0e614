from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from fieldcrm.api import api
from fieldcrm.org.views import home

urlpatterns = [
    path("", home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("fieldcrm.customers.urls")),
    path("", include("fieldcrm.care.urls")),
    path("", include("fieldcrm.visits.urls")),
    path("", include("fieldcrm.followup.urls")),
    path("", include("fieldcrm.monopoly.urls")),
    path("", include("fieldcrm.imports.urls")),
    path("", include("fieldcrm.notices.urls")),
    path("", include("fieldcrm.field.urls")),
    path("", include("fieldcrm.sales.urls")),
]
