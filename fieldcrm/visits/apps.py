from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "fieldcrm.visits"
    verbose_name = _("Visit plans")

    def ready(self):
        # The checklist items visits knows itself (plan problems, services, news, stale fields); other apps
        # register theirs from their own ready().
        from fieldcrm.visits import fieldwork
        from fieldcrm.visits.checklist_items import register
        from fieldcrm.visits.photos import register as register_photos

        register()
        # Tells the photos app who may see and attach a visit's photos; photos never imports visits.
        register_photos()
        # A change request sent after the visit that noticed it is linked to that visit's notice.
        fieldwork.connect()
