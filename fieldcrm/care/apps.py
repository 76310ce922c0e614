from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    name = "fieldcrm.care"
    verbose_name = _("Customer service")

    def ready(self):
        from fieldcrm.care.privacy import anonymise_outbox
        from fieldcrm.customers.privacy import register

        register(anonymise_outbox)
