from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupConfig(AppConfig):
    name = "fieldcrm.followup"
    verbose_name = _("Needs and follow-up")

    def ready(self):
        # Visit plans learn about open needs through their provider hook; visits never imports followup.
        from fieldcrm.followup.reasons import register

        register()
