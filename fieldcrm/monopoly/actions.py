"""Every write to market information: submitting a report (once, by `client_uuid`), the monopoly officer's
outcome on a violation, marketing's note on business information, and the log of who opened it. Reports
are evidence: nothing here changes what was reported."""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fieldcrm.errors import ActionRefused, InvalidInput
from fieldcrm.monopoly.models import MarketReport, ReportView
from fieldcrm.notices import notify

DESCRIPTION_MAX = 2000
OUTCOME_MAX = 2000
ADDRESS_MAX = MarketReport._meta.get_field("address").max_length or 200
# A phone's clock may run a little ahead of the server's.
CLOCK_SKEW = timedelta(minutes=5)
# A report queued offline is sent within days; an older time is a wrong clock (year 1).
OBSERVED_AT_MAX_AGE = timedelta(days=30)


def _text(value, *, limit: int, field: str, missing: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(missing, field=field)
    if len(value) > limit:
        raise InvalidInput(_("The text is too long (%(max)s characters at most).") % {"max": limit}, field=field)
    return value


def _observed_at(value):
    now = timezone.now()
    if timezone.is_naive(value):
        raise InvalidInput(_("The time of the observation needs a time zone."), field="observed_at")
    if value > now + CLOCK_SKEW:
        raise InvalidInput(_("The time of the observation cannot be in the future."), field="observed_at")
    if value < now - OBSERVED_AT_MAX_AGE:
        raise InvalidInput(_("The time of the observation cannot be more than %(days)s days ago.")
                           % {"days": OBSERVED_AT_MAX_AGE.days}, field="observed_at")
    return value


def _position(latitude, longitude) -> None:
    if latitude is None or longitude is None:
        raise InvalidInput(_("The report needs the position where it was observed."), field="latitude")
    if not -90 <= latitude <= 90:
        raise InvalidInput(_("The latitude must lie between -90 and 90."), field="latitude")
    if not -180 <= longitude <= 180:
        raise InvalidInput(_("The longitude must lie between -180 and 180."), field="longitude")


def _replayed(client_uuid, by) -> MarketReport | None:
    existing = MarketReport.objects.filter(client_uuid=client_uuid).first()
    if existing is not None and existing.reporter_id != by.pk:
        raise ActionRefused(_("This submission id was already used for another report."))
    return existing


def submit_report(*, by, client_uuid, kind: str, description: str, observed_at, latitude, longitude,
                  accuracy_m=None, customer=None, address: str = "") -> tuple[MarketReport, bool]:
    """Record what `by` observed; (report, created). The same `client_uuid` again returns the first report
    unchanged. `customer` is a store the caller has checked `by` may see; `address` names a place that is
    not a customer."""
    existing = _replayed(client_uuid, by)
    if existing is not None:
        return existing, False
    if kind not in MarketReport.Kind.values:
        raise InvalidInput(_("Choose what kind of report this is."), field="kind")
    description = _text(description, limit=DESCRIPTION_MAX, field="description",
                        missing=_("Describe what you observed."))
    observed_at = _observed_at(observed_at)
    _position(latitude, longitude)
    if accuracy_m is not None and accuracy_m < 0:
        raise InvalidInput(_("The accuracy cannot be negative."), field="accuracy_m")
    address = (address or "").strip()
    if len(address) > ADDRESS_MAX:
        raise InvalidInput(_("The text is too long (%(max)s characters at most).") % {"max": ADDRESS_MAX},
                           field="address")
    report = MarketReport(client_uuid=client_uuid, company_id=by.company_id, reporter=by, kind=kind,
                          description=description, observed_at=observed_at, latitude=latitude,
                          longitude=longitude, accuracy_m=accuracy_m, customer=customer, address=address)
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        existing = _replayed(client_uuid, by)  # two sends of the same report raced: the first one won
        if existing is None:
            raise
        return existing, False
    return report, True


def refuse_if_decided(report: MarketReport) -> None:
    """Evidence closes with the outcome: no photo is added to a decided report."""
    if report.is_decided:
        raise ActionRefused(_("This report has been decided; its evidence can no longer change."))


def decide_report(report: MarketReport, *, by, status: str, outcome: str) -> MarketReport:
    """The officer's outcome (confirmed / unfounded / referred, and what was found); once only. The caller
    has checked that `by` is an officer of the report's company (monopoly/access.py)."""
    if not report.is_violation:
        raise ActionRefused(_("Business information goes to marketing, not to the monopoly office."))
    if status not in MarketReport.OUTCOMES:
        raise InvalidInput(_("The outcome is confirmed, unfounded or referred."), field="status")
    outcome = _text(outcome, limit=OUTCOME_MAX, field="outcome",
                    missing=_("Say what was found, so the reporter learns the outcome."))
    with transaction.atomic():
        report = MarketReport.objects.select_for_update().get(pk=report.pk)
        if report.is_decided:
            raise ActionRefused(_("This report has already been decided."))
        report.status = status
        report.outcome = outcome
        report.decided_by = by
        report.decided_at = timezone.now()
        report.save(update_fields=["status", "outcome", "decided_by", "decided_at"])
        # The notice names the report, not its content: a notice may leave the system (SMS, WeChat).
        notify(report.reporter, "report_outcome", args={"report": f"#{report.pk}", "outcome": status},
               link=reverse("monopoly:detail", args=[report.pk]))
    return report


def acknowledge_info(report: MarketReport, *, by, status: str, note: str = "") -> MarketReport:
    """Marketing's step with business information: `noted` (已阅) or `passed_on` (已转达: summarised and
    passed on), with an optional note the reporter sees. Noted information may still be passed on; passed on
    is final. The caller has checked that `by` is marketing staff of the report's company (access.py)."""
    if report.is_violation:
        raise ActionRefused(_("A violation is decided by the monopoly office."))
    if status not in MarketReport.INFO_STEPS:
        raise InvalidInput(_("Mark the information noted or passed on."), field="status")
    note = (note or "").strip()
    if len(note) > OUTCOME_MAX:
        raise InvalidInput(_("The text is too long (%(max)s characters at most).") % {"max": OUTCOME_MAX},
                           field="outcome")
    with transaction.atomic():
        report = MarketReport.objects.select_for_update().get(pk=report.pk)
        if report.status == MarketReport.Status.PASSED_ON:
            raise ActionRefused(_("This information has already been passed on."))
        if report.status == status:
            raise ActionRefused(_("This information has already been noted."))
        report.status = status
        report.outcome = note or report.outcome
        report.decided_by = by
        report.decided_at = timezone.now()
        report.save(update_fields=["status", "outcome", "decided_by", "decided_at"])
        notify(report.reporter, "report_outcome", args={"report": f"#{report.pk}", "outcome": status},
               link=reverse("monopoly:detail", args=[report.pk]))
    return report


def record_view(report: MarketReport, user, photo=None) -> None:
    """Log that `user` opened the report (or one of its photos): evidence keeps who saw it and when."""
    ReportView.objects.create(report=report, viewer=user, photo=photo)
