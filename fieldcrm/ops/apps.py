from axes.apps import AppConfig as AxesConfig
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Operating an installation: backups and restores. Imports no other app of FieldCRM."""

    name = "fieldcrm.ops"
    label = "ops"
    verbose_name = _("Operations")


class LoginProtectionConfig(AxesConfig):
    """django-axes under a name the admin's users read ("Axes" is not translatable)."""

    verbose_name = _("Login protection")
