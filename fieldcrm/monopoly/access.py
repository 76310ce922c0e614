"""Looking up market information for a user. Visibility is `MarketReport.objects.visible_to(user)`: a
violation is seen by its reporter and the company's monopoly officers only (anyone else gets 404 —
supervisors and admins included); business information by its reporter, the reporter's supervisor, the
company's marketing staff and admins. `for_change=True` (adding photos) is the reporter's right; the
officer's verdict and marketing's note are lookups of their own (403 for a read-only insider)."""

from django.core.exceptions import PermissionDenied

from fieldcrm.lib.ids import one_or_404
from fieldcrm.monopoly.models import MarketReport, is_marketing_staff

MISSING = "No such market report"


def can_report(user) -> bool:
    """Field staff report what they see in the street: managers and supervisors."""
    return user.company_id is not None and (user.is_manager or user.is_supervisor)


def is_officer(user, report: MarketReport) -> bool:
    return user.is_monopoly_officer and user.company_id == report.company_id and report.is_violation


def is_marketing_for(user, report: MarketReport) -> bool:
    """Marketing staff of the report's company, for business information: they note it or pass it on."""
    return not report.is_violation and user.company_id == report.company_id and is_marketing_staff(user)


def get_report_for_user(user, pk, *, for_change: bool = False) -> MarketReport:
    """The report if the user may see it (else 404); with for_change=True (adding evidence), 403 unless the
    user is its reporter."""
    reports = MarketReport.objects.visible_to(user).select_related("reporter", "customer", "decided_by")
    report = one_or_404(reports, pk, MISSING)
    if for_change and report.reporter_id != user.pk:
        raise PermissionDenied
    return report


def get_report_to_decide(user, pk) -> MarketReport:
    """The report an officer records the outcome of: 404 if unseen, 403 for its reporter."""
    report = get_report_for_user(user, pk)
    if not is_officer(user, report):
        raise PermissionDenied
    return report


def get_info_to_acknowledge(user, pk) -> MarketReport:
    """Business information marketing notes or passes on: 404 if unseen, 403 for anyone but marketing staff
    (the reporter, the supervisor, an admin read it only)."""
    report = get_report_for_user(user, pk)
    if not is_marketing_for(user, report):
        raise PermissionDenied
    return report
