"""Looking up a market report for a user. Visibility is `MarketReport.objects.visible_to(user)` (the
reporter and the company's monopoly officers); anyone else gets 404 — supervisors and admins included.
`for_change=True` (adding photos) is the reporter's right; the verdict is the officer's, its own lookup."""

from django.core.exceptions import PermissionDenied

from fieldcrm.lib.ids import one_or_404
from fieldcrm.monopoly.models import MarketReport

MISSING = "No such market report"


def can_report(user) -> bool:
    """Field staff report what they see in the street: managers and supervisors."""
    return user.company_id is not None and (user.is_manager or user.is_supervisor)


def is_officer(user, report: MarketReport) -> bool:
    return user.is_monopoly_officer and user.company_id == report.company_id


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
