"""Market report endpoints (/api/v1/market-reports), per the field API contract: only the reporter and the
company's monopoly officers see a report (everyone else 404); the officer records the outcome; supervisors
get counts per manager, never content. Every opening of a report is logged (`ReportView`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from ninja import Field, FilterLookup, Query, Router, Schema
from ninja.responses import Status

from fieldcrm.customers.access import get_customer_for_user
from fieldcrm.monopoly import actions
from fieldcrm.monopoly.access import can_report, get_report_for_user, get_report_to_decide
from fieldcrm.monopoly.models import MarketReport, report_counts
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
    status: MarketReport.Status | None = Field(None, description="the officer's queue: `submitted`")
    kind: MarketReport.Kind | None = None
    customer_code: Annotated[str | None, FilterLookup("customer__customer_code")] = Field(None, max_length=20)
    limit: int = Field(100, ge=1, le=1000)
    offset: Offset = 0


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
    """The reporter's own reports, or an officer's queue (filter `status=submitted`), latest first."""
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


@router.get("/market-reports/{pk}", response=refusals({200: MarketReportOut}))
def get_report(request, pk: Id):
    """One report (the opening is logged)."""
    return _shown(request.user, pk)


@router.post("/market-reports", response=refusals({200: MarketReportOut, 201: MarketReportOut}))
def submit_report(request, payload: ReportIn):
    """Report what was observed to the monopoly office. The same `client_uuid` again: 200 with the first
    report, nothing changed."""
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


@router.post("/market-reports/{pk}/outcome", response=refusals({200: MarketReportOut}))
def record_outcome(request, pk: Id, payload: OutcomeIn):
    """The monopoly officer's outcome; the reporter sees it (and is notified)."""
    report = get_report_to_decide(request.user, pk)
    actions.decide_report(report, by=request.user, status=payload.status, outcome=payload.outcome)
    return get_report_for_user(request.user, pk)
