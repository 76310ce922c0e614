"""Duty 4: recording visits done at the store. The phone may be offline: it queues each visit with its
`client_uuid` and replays it when the network returns, so `record_visit` is idempotent — the same
`client_uuid` returns the first visit unchanged — and atomic: everything is validated before anything is
written, and the checklist's answer hooks (`visits.checklist`) run in the same transaction, so a refusal
anywhere leaves nothing behind.

Conflict rules for a replay: the first record wins (a replay never changes or adds anything); a store
reassigned to another manager while the phone was offline is refused (404 through the API: it is no longer
theirs); a planned visit already carried out by another recorded visit is refused (409); answers to
checklist items that no longer exist (a service completed meanwhile) are stored as shown and their hook
runs anyway, which does nothing to a task already done.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.translation import gettext as _

from fieldcrm.catalog.models import Sku
from fieldcrm.customers.fields import PROFILE_FIELDS
from fieldcrm.customers.models import ChangeRequest, Customer
from fieldcrm.errors import ActionRefused, InvalidInput
from fieldcrm.lib.coords import haversine_km
from fieldcrm.visits import checklist
from fieldcrm.visits.models import (
    ChecklistAnswer,
    NoticedChange,
    PlannedVisit,
    PlanningPolicy,
    ProfitSituation,
    SkuObservation,
    Visit,
    VisitOpinion,
)

# A phone's clock may run a little ahead of the server's.
CLOCK_SKEW = timedelta(minutes=10)
# A queued visit older than this is not a replay of today's work but a mistake (or a phone's wrong date).
MAX_AGE = timedelta(days=30)
# A retailer's cigarette sales a month, in 条: a busy supermarket sells a few thousand; ten times the most a
# store could move is a typo (an extra zero or two), not an estimate.
MAX_MONTHLY_SALES_CARTONS = 30_000


@dataclass
class Observation:
    sku_code: str
    stock_cartons: int | None = None
    retail_price: Decimal | None = None
    sales_last_week_cartons: int | None = None
    price_tag_ok: bool | None = None


@dataclass
class Answer:
    code: str
    done: bool
    note: str = ""
    text: str = ""  # as the phone showed it, when the item is no longer on the server's checklist


@dataclass
class ChangeNoticed:
    """A profile change noticed at the store, as the phone sends it with the visit. The change itself travels
    as its own change request (POST /change-requests with this client_uuid); the visit keeps that it was
    noticed here (a `NoticedChange` row, linked to the request it became)."""

    client_uuid: uuid.UUID
    field: str
    new_value: str = ""
    applied: bool | None = None  # as the phone heard it: saved at once, a request, or not known yet


@dataclass
class VisitRecord:
    """What the phone sends for one visit (the API's `POST /visits` body, parsed)."""

    client_uuid: uuid.UUID
    checked_in_at: datetime
    latitude: float
    longitude: float
    accuracy_m: float | None = None
    planned_visit: int | None = None
    checked_out_at: datetime | None = None
    opinions: list[tuple[str, str]] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)
    checklist: list[Answer] = field(default_factory=list)
    notes: str = ""
    profit_situation: str = ""  # a ProfitSituation code, or "" when not asked
    monthly_sales_cartons: int | None = None
    profile_changes: list[ChangeNoticed] = field(default_factory=list)


def distance_m(customer: Customer, latitude: float, longitude: float) -> float | None:
    if customer.latitude is None or customer.longitude is None:
        return None
    return round(haversine_km(customer.latitude, customer.longitude, latitude, longitude) * 1000, 1)


def _check_time(at: datetime, name: str, now: datetime) -> None:
    if at > now + CLOCK_SKEW:
        raise InvalidInput(_("This time is in the future."), field=name)
    if at < now - MAX_AGE:
        raise InvalidInput(_("This time is too long ago."), field=name)


def _planned_visit(record: VisitRecord, customer: Customer, by) -> PlannedVisit | None:
    if record.planned_visit is None:
        return None
    planned = PlannedVisit.objects.filter(pk=record.planned_visit, customer=customer, plan__manager=by).first()
    if planned is None:
        raise InvalidInput(_("This is not a planned visit of yours to this store."), field="planned_visit")
    taken = Visit.objects.filter(planned_visit=planned).exclude(client_uuid=record.client_uuid).exists()
    if taken:
        raise ActionRefused(_("This planned visit has already been carried out."))
    return planned


def _check_profit(record: VisitRecord) -> None:
    if record.profit_situation and record.profit_situation not in ProfitSituation.values:
        raise InvalidInput(_("Choose the profit situation from: %(choices)s.") % {
            "choices": ", ".join(f"{code} ({label})" for code, label in ProfitSituation.choices)},
            field="profit_situation")
    sales = record.monthly_sales_cartons
    if sales is not None and not 0 <= sales <= MAX_MONTHLY_SALES_CARTONS:
        raise InvalidInput(_("Monthly sales are between 0 and %(max)s 条.") % {"max": MAX_MONTHLY_SALES_CARTONS},
                           field="monthly_sales_cartons")


def _check_profile_changes(record: VisitRecord) -> None:
    seen: set[uuid.UUID] = set()
    for n, change in enumerate(record.profile_changes):
        if change.field not in PROFILE_FIELDS:
            raise InvalidInput(_("No profile field is called %(field)s.") % {"field": change.field},
                               field=f"profile_changes[{n}].field")
        if change.client_uuid in seen:
            raise InvalidInput(_("This change is listed twice."), field=f"profile_changes[{n}].client_uuid")
        seen.add(change.client_uuid)


def _skus(record: VisitRecord) -> dict[str, Sku]:
    codes = [o.sku_code for o in record.observations]
    skus = {sku.code: sku for sku in Sku.objects.filter(code__in=codes)}
    seen: set[str] = set()
    for n, observation in enumerate(record.observations):
        name = f"observations[{n}].sku_code"
        if observation.sku_code not in skus:
            raise InvalidInput(_("No SKU has the code %(code)s.") % {"code": observation.sku_code}, field=name)
        if observation.sku_code in seen:
            raise InvalidInput(_("The SKU %(code)s is listed twice.") % {"code": observation.sku_code}, field=name)
        seen.add(observation.sku_code)
    return skus


def _answers(record: VisitRecord, customer: Customer, by, planned: PlannedVisit | None,
             shown_items: list[checklist.ChecklistItem] | None = None) -> list[ChecklistAnswer]:
    if not record.checklist:
        return []
    if shown_items is None:
        shown_items = checklist.items_for(customer, timezone.localdate(record.checked_in_at), by, planned)
    shown = {item.code: item for item in shown_items}
    answers, seen = [], set()
    for n, answer in enumerate(record.checklist):
        name = f"checklist[{n}].code"
        if checklist.kind_of(answer.code) not in checklist.KINDS:
            raise InvalidInput(_("No checklist item has the code %(code)s.") % {"code": answer.code}, field=name)
        if answer.code in seen:
            raise InvalidInput(_("The item %(code)s is answered twice.") % {"code": answer.code}, field=name)
        seen.add(answer.code)
        item = shown.get(answer.code)
        # An item no longer on the checklist (the phone answered it offline) is kept as the phone showed it: it
        # must say what it was, and name something (`kind:argument`); a code nothing issued is junk.
        if item is None and (not answer.text.strip() or not answer.code.partition(":")[2].strip()):
            raise InvalidInput(_("No checklist item has the code %(code)s.") % {"code": answer.code}, field=name)
        answers.append(ChecklistAnswer(code=answer.code, kind=checklist.kind_of(answer.code),
                                       text=(item.text if item else answer.text)[:500], done=answer.done,
                                       note=answer.note))
    return answers


def record_visit(customer: Customer, record: VisitRecord, *, by,
                 checklist_items: list[checklist.ChecklistItem] | None = None) -> tuple[Visit, bool]:
    """The visit for `record.client_uuid`: the first one recorded (created False), else a new one (True).
    The caller has checked that `customer` is `by`'s own (404 / 403 otherwise). `checklist_items` is the
    store's checklist for the visit's day when the caller has just built it (`checklist.items_for` with the
    same store, day, manager and planned visit; the demo answers it), so it is not built twice."""
    existing = Visit.objects.filter(client_uuid=record.client_uuid).first()
    if existing is not None:
        if existing.manager_id != by.pk:
            raise InvalidInput(_("This record id is already used."), field="client_uuid")
        return existing, False
    if customer.manager_id != by.pk:
        raise ActionRefused(_("Only the store's manager records visits to it."))
    now = timezone.now()
    _check_time(record.checked_in_at, "checked_in_at", now)
    if record.checked_out_at is not None:
        _check_time(record.checked_out_at, "checked_out_at", now)
        if record.checked_out_at < record.checked_in_at:
            raise InvalidInput(_("Check-out is before check-in."), field="checked_out_at")
    _check_profit(record)
    _check_profile_changes(record)
    planned = _planned_visit(record, customer, by)
    skus = _skus(record)
    answers = _answers(record, customer, by, planned, checklist_items)
    distance = distance_m(customer, record.latitude, record.longitude)
    radius = PlanningPolicy.for_company(customer.company_id).checkin_radius_m
    try:
        with transaction.atomic():
            visit = Visit.objects.create(
                client_uuid=record.client_uuid, customer=customer, manager=by, planned_visit=planned,
                ad_hoc=planned is None, checked_in_at=record.checked_in_at, latitude=record.latitude,
                longitude=record.longitude, accuracy_m=record.accuracy_m, distance_m=distance,
                on_site=distance is not None and distance <= radius, checked_out_at=record.checked_out_at,
                notes=record.notes, profit_situation=record.profit_situation,
                monthly_sales_cartons=record.monthly_sales_cartons)
            note_changes(visit, record.profile_changes)
            VisitOpinion.objects.bulk_create(
                VisitOpinion(visit=visit, topic=topic, text=text) for topic, text in record.opinions)
            SkuObservation.objects.bulk_create(
                SkuObservation(visit=visit, sku=skus[o.sku_code], stock_cartons=o.stock_cartons,
                               retail_price=o.retail_price, sales_last_week_cartons=o.sales_last_week_cartons,
                               price_tag_ok=o.price_tag_ok) for o in record.observations)
            for answer in answers:
                answer.visit = visit
            ChecklistAnswer.objects.bulk_create(answers)
            for answer in answers:
                hook = checklist.hook_for(answer.code)
                if hook is not None:
                    hook(answer.code, answer.done, answer.note, by, visit)
    except IntegrityError:
        # Two deliveries of the same record at once: the first one's transaction won.
        existing = Visit.objects.filter(client_uuid=record.client_uuid, manager=by).first()
        if existing is not None:
            return existing, False
        raise ActionRefused(_("This planned visit has already been carried out.")) from None
    return visit, True


def note_changes(visit: Visit, changes: list[ChangeNoticed]) -> list[NoticedChange]:
    """Keep the changes noticed at the visit, each linked to the change request it became when that has
    already arrived (the phone usually sends the request first). Requests are looked up only among this
    store's by this manager, so a client_uuid in the visit cannot reach someone else's."""
    if not changes:
        return []
    requests = {request.client_uuid: request.pk for request in ChangeRequest.objects.filter(
        client_uuid__in=[c.client_uuid for c in changes], customer_id=visit.customer_id,
        proposed_by_id=visit.manager_id).only("pk", "client_uuid")}
    return NoticedChange.objects.bulk_create(
        NoticedChange(visit=visit, client_uuid=c.client_uuid, field=c.field, new_value=c.new_value[:200],
                      applied=c.applied, change_request_id=requests.get(c.client_uuid)) for c in changes)


def link_change_request(change_request: ChangeRequest) -> int:
    """A change request that arrives after the visit that noticed it: link it to that visit's notice (same
    store, same manager, same client_uuid). Connected to ChangeRequest's post_save in `VisitsConfig.ready`,
    since customers sits below visits and cannot call up. Returns how many notices it linked."""
    if change_request.client_uuid is None:
        return 0
    return NoticedChange.objects.filter(
        client_uuid=change_request.client_uuid, change_request__isnull=True,
        visit__customer_id=change_request.customer_id, visit__manager_id=change_request.proposed_by_id,
    ).update(change_request=change_request)


def _change_request_saved(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        link_change_request(instance)


def connect() -> None:
    """Listen for change requests (from `VisitsConfig.ready`; idempotent by its dispatch_uid)."""
    post_save.connect(_change_request_saved, sender=ChangeRequest, dispatch_uid="visits.link_change_request")


def noticed_changes(visit: Visit) -> list[NoticedChange]:
    """The profile changes noticed at the visit, each with the change request it became
    (`change_request`: None when the field was saved at once, or the request has not arrived)."""
    return list(visit.noticed_changes.select_related("change_request"))


def check_out(visit: Visit, at: datetime, *, by) -> Visit:
    """Close the visit at `at` (not before check-in); repeating it with the same time changes nothing."""
    if visit.manager_id != by.pk:
        raise ActionRefused(_("Only the manager who made the visit checks out."))
    _check_time(at, "checked_out_at", timezone.now())
    if at < visit.checked_in_at:
        raise InvalidInput(_("Check-out is before check-in."), field="checked_out_at")
    with transaction.atomic():
        locked = Visit.objects.select_for_update().get(pk=visit.pk)
        if locked.checked_out_at is not None:
            if locked.checked_out_at == at:
                return locked
            raise ActionRefused(_("This visit was already checked out at %(time)s.") % {
                "time": f"{timezone.localtime(locked.checked_out_at):%H:%M}"})
        locked.checked_out_at = at
        locked.save(update_fields=["checked_out_at"])
    return locked
