from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "fieldcrm.org"
    verbose_name = _("Organisation")

    def ready(self):
        from fieldcrm.schemas import name_choices_by_model

        name_choices_by_model()  # every model is loaded by now; no API schema is built yet
