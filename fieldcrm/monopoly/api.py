"""Market information endpoints (/api/v1/market-reports, the path old clients know), per the field API
contract. A violation is seen by its reporter and the company's monopoly officers only (everyone else 404)
and the officer records the outcome; business information is seen by its reporter, the reporter's
supervisor, marketing staff and admins, and marketing notes it or passes it on. Supervisors and admins get
counts per manager, and the monthly summary per area (with marketing). Every opening of a report is logged
(`ReportView`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from ninja import Field, FilterLookup, Query, Router, Schema
from ninja.responses import Status

from fieldcrm.customers.access import get_customer_for_user
from fieldcrm.monopoly import actions
from fieldcrm.monopoly.access import can_report, get_info_to_acknowledge, get_report_for_user, get_report_to_decide
from fieldcrm.monopoly.models import MarketReport, report_counts
from fieldcrm.monopoly.summary import get_area_for_summary, month_summary, summary_areas
from fieldcrm.photos.models import Photo
from fieldcrm.schemas import Day, Id, InputSchema, ListFilters, Offset, refusals

router = Router(tags=["market reports"])


class ReportPhotoOut(Schema):
    id: int
    sha256: str
    taken_at: datetime
    url: str


class MarketReportOut(Schema):
    id: int
    client_uuid: UUID
    kind: MarketReport.Kind
    category: MarketReport.Category = Field(description="`violation` (to the monopoly office, confidential) or "
                                                        "`business` (to marketing)")
    description: str
    observed_at: datetime
    latitude: float
    longitude: float
    accuracy_m: float | None
    customer_code: str | None = Field(None, alias="customer.customer_code")
    customer_name: str | None = Field(None, alias="customer.name")
    address: str
    reporter: str = Field(alias="reporter.username")
    created_at: datetime
    status: MarketReport.Status
    outcome: str
    decided_by: str | None = Field(None, alias="decided_by.username")
    decided_at: datetime | None
    photos: list[ReportPhotoOut]

    @staticmethod
    def resolve_photos(obj) -> list[dict]:
        return [{"id": p.pk, "sha256": p.sha256, "taken_at": p.taken_at, "url": reverse("api:photo_file", args=[p.pk])}
                for p in Photo.objects.of(obj)]


class ReportFilters(ListFilters):
    status: MarketReport.Status | None = Field(None, description="the officer's or marketing's queue: `submitted`")
    kind: MarketReport.Kind | None = None
    category: MarketReport.Category | None = None
    customer_code: Annotated[str | None, FilterLookup("customer__customer_code")] = Field(None, max_length=20)
    limit: int = Field(100, ge=1, le=1000)
    offset: Offset = 0

    def filter_category(self, value) -> Q:
        """Not a column: the kinds that go where the category says."""
        if value is None:
            return Q()
        violation = value == MarketReport.Category.VIOLATION
        return Q(kind__in=MarketReport.VIOLATIONS if violation else MarketReport.BUSINESS)


class ReportIn(InputSchema):
    client_uuid: UUID
    kind: MarketReport.Kind
    description: str = Field(min_length=1, max_length=actions.DESCRIPTION_MAX)
    observed_at: datetime = Field(description="when it was seen (not in the future, at most 30 days back)")
    latitude: float = Field(ge=-90, le=90, description="WGS-84, as the device reports it")
    longitude: float = Field(ge=-180, le=180)
    accuracy_m: float | None = Field(None, ge=0, le=100000)
    customer_code: str | None = Field(None, max_length=20, description="the store, if it is a customer")
    address: str = Field("", max_length=actions.ADDRESS_MAX, description="the place, if it is not a customer")


class AcknowledgeIn(InputSchema):
    status: MarketReport.Status = Field(description="`noted` or `passed_on`")
    outcome: str = Field("", max_length=actions.OUTCOME_MAX, description="a note the reporter sees")


class KindCountOut(Schema):
    kind: MarketReport.Kind
    category: MarketReport.Category
    count: int


class QuoteOut(Schema):
    text: str
    store: str
    manager: str
    day: date


class TopicOut(Schema):
    topic: str
    label: str
    count: int
    quotes: list[QuoteOut]


class SummaryOut(Schema):
    area: int = Field(alias="area.pk")
    area_name: str = Field(alias="area.name")
    month: date = Field(description="the month's first day")
    visits: int
    kinds: list[KindCountOut] = Field(description="violations as counts only")
    items: list[MarketReportOut] = Field(description="the business information observed in the month")
    opinions: list[TopicOut] = Field(description="what retailers said at the visits, by topic, most first")


class OutcomeIn(InputSchema):
    status: MarketReport.Status = Field(description="`confirmed`, `unfounded` or `referred`")
    outcome: str = Field(min_length=1, max_length=actions.OUTCOME_MAX)


class CountOut(Schema):
    manager: str
    full_name: str
    reports: int = Field(description="reports observed in the period (when seen, however late they were sent)")
    received: int = Field(description="reports submitted in the period")


RELATED = ("reporter", "customer", "decided_by")


def _shown(user, pk) -> MarketReport:
    report = get_report_for_user(user, pk)
    actions.record_view(report, user)
    return report


@router.get("/market-reports", response=list[MarketReportOut])
def list_reports(request, filters: Query[ReportFilters]):
    """What the user may read, latest first: their own reports; an officer's violations or marketing's
    business information (the queue: `status=submitted`); a supervisor's team's business information."""
    reports = filters.filter(MarketReport.objects.visible_to(request.user).select_related(*RELATED))
    return list(filters.page(reports))


@router.get("/market-reports/counts", response=refusals({200: list[CountOut]}))
def count_reports(request, start: Day | None = None, end: Day | None = None):
    """Reports per manager observed and received in [start, end) (default: the last 30 days), for
    supervisors (their area, every manager listed) and admins (the company): counts only, never what was
    reported."""
    if not request.user.oversees_anyone:
        raise PermissionDenied
    return report_counts(request.user, start, end)


@router.get("/market-reports/summary", response=refusals({200: SummaryOut}))
def summarise(request, month: Day | None = None, area: Id | None = None):
    """The monthly summary (汇总) of one marketing area: counts by kind (violations as counts only), the
    business information items and the visits' opinions by topic. `month`: any day of it (default: this
    month); `area`: default the first the user may summarise. Supervisors: their own area (another: 404);
    marketing staff and admins: any area of the company; anyone else 403."""
    areas = summary_areas(request.user)
    chosen = get_area_for_summary(request.user, area) if area is not None else areas.first()
    if chosen is None:
        raise Http404("No marketing area to summarise")
    return month_summary(chosen, month or timezone.localdate())


@router.get("/market-reports/{pk}", response=refusals({200: MarketReportOut}))
def get_report(request, pk: Id):
    """One report (the opening is logged)."""
    return _shown(request.user, pk)


@router.post("/market-reports", response=refusals({200: MarketReportOut, 201: MarketReportOut}))
def submit_report(request, payload: ReportIn):
    """Report market information: a violation kind goes to the monopoly office (confidential), a business
    kind to marketing. The same `client_uuid` again: 200 with the first report, nothing changed."""
    customer = None
    if payload.customer_code:
        customer = get_customer_for_user(request.user, payload.customer_code)
    if not can_report(request.user):
        raise PermissionDenied
    report, created = actions.submit_report(
        by=request.user, client_uuid=payload.client_uuid, kind=payload.kind, description=payload.description,
        observed_at=payload.observed_at, latitude=payload.latitude, longitude=payload.longitude,
        accuracy_m=payload.accuracy_m, customer=customer, address=payload.address)
    return Status(201 if created else 200, get_report_for_user(request.user, report.pk))


@router.post("/market-reports/{pk}/acknowledge", response=refusals({200: MarketReportOut}))
def acknowledge(request, pk: Id, payload: AcknowledgeIn):
    """Marketing notes business information (`noted`) or marks it passed on (`passed_on`); the reporter sees
    it (and is notified)."""
    report = get_info_to_acknowledge(request.user, pk)
    actions.acknowledge_info(report, by=request.user, status=payload.status, note=payload.outcome)
    return get_report_for_user(request.user, pk)


@router.post("/market-reports/{pk}/outcome", response=refusals({200: MarketReportOut}))
def record_outcome(request, pk: Id, payload: OutcomeIn):
    """The monopoly officer's outcome; the reporter sees it (and is notified)."""
    report = get_report_to_decide(request.user, pk)
    actions.decide_report(report, by=request.user, status=payload.status, outcome=payload.outcome)
    return get_report_for_user(request.user, pk)
