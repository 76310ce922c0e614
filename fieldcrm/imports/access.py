"""Who may import, and the 404 door to one's own import runs (pages only; imports have no API)."""

from django.core.exceptions import PermissionDenied

from fieldcrm.imports.models import ImportRun
from fieldcrm.lib.ids import one_or_404


def can_import(user) -> bool:
    """Imports replace the company's registers in bulk: administrators only."""
    return user.is_company_admin


def require_importer(user) -> None:
    if not can_import(user):
        raise PermissionDenied


def get_run_for_user(user, pk: int) -> ImportRun:
    """One of the user's own runs (a run holds the uploaded personal data: another admin gets 404 too);
    403 for anyone who may not import at all."""
    require_importer(user)
    return one_or_404(ImportRun.objects.filter(user=user), pk, "No such import")
