from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonopolyConfig(AppConfig):
    name = "fieldcrm.monopoly"
    verbose_name = _("Market information")

    def ready(self):
        # Tells the photos app who may see and attach a market report's photos; photos never imports monopoly.
        from fieldcrm.monopoly.evidence import register

        register()
