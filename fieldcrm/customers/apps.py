from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "fieldcrm.customers"
    verbose_name = _("Retail customers")
