from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from fieldcrm.api import api
from fieldcrm.org.views import favicon, home

# The admin is the company's settings (设置): named as the app, not "Django 管理".
admin.site.site_header = _("FieldCRM settings")
admin.site.site_title = _("FieldCRM settings")
admin.site.index_title = _("Settings")

urlpatterns = [
    path("", home, name="home"),
    path("favicon.ico", favicon),
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
    path("", include("fieldcrm.sales.tier_urls")),
    path("", include("fieldcrm.sales.urls")),
    path("", include("fieldcrm.org.urls")),
]
