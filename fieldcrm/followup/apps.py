from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupConfig(AppConfig):
    name = "fieldcrm.followup"
    verbose_name = _("Needs and follow-up")

    def ready(self):
        # Declares the "demand" reason to visit planning (code, priority, text, provider); visits never
        # imports followup.
        from fieldcrm.followup import checklist, reasons

        reasons.register()
        # Needs resolved and awaiting feedback, on the store's next visit checklist.
        checklist.register()
