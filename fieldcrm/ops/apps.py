from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Operating an installation: backups and restores. Imports no other app of FieldCRM."""

    name = "fieldcrm.ops"
    label = "ops"
    verbose_name = _("Operations")
