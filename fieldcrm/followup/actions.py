"""Every change to a retailer's need goes through these functions: pages, API, demo and jobs alike.

Each validates its input itself (forms and schemas check first, for the user's sake), runs in one
transaction, records a timeline step (DemandStep), notifies whom the step concerns (on commit) and refuses
what the need's state or the user's part does not allow. The lifecycle is in followup/models.py.

Steps a phone sends are replay-safe: raising and feedback by `client_uuid`; accepting, resolving and handing
back again with the same content return the need unchanged.
"""

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fieldcrm.care.models import ServicePolicy
from fieldcrm.errors import ActionRefused, InvalidInput
from fieldcrm.followup.models import DEFAULT_ROUTES, Demand, DemandRoute, DemandStep
from fieldcrm.notices import notify
from fieldcrm.org.models import Department, User

DESCRIPTION_MAX: int = Demand._meta.get_field("description").max_length or 500
RESOLUTION_MAX: int = Demand._meta.get_field("resolution").max_length or 1000
RESPONSE_MAX: int = Demand._meta.get_field("retailer_response").max_length or 500
REASON_MAX: int = DemandStep._meta.get_field("note").max_length or 1000
# A phone's clock may run a little ahead of the server's.
CLOCK_SKEW = timedelta(minutes=5)
# A need noted offline is sent within days; an older raising time is a mistake (year 1) that would distort the
# response-time figures.
RAISED_AT_MAX_AGE = timedelta(days=30)


def response_hours_for(customer) -> int:
    """The response time the customer's class promises, from its service standard; without one, the
    company's default (care.ServicePolicy, edited in the admin)."""
    customer_class = customer.customer_class
    standard = getattr(customer_class, "service_standard", None) if customer_class is not None else None
    if standard is not None:
        return standard.response_hours
    return ServicePolicy.for_company(customer.company_id).default_response_hours


def _moment(value, *, earliest=None, what, field):
    now = timezone.now()
    value = value or now
    if timezone.is_naive(value):
        raise InvalidInput(_("%(what)s needs a time zone.") % {"what": what}, field=field)
    if value > now + CLOCK_SKEW:
        raise InvalidInput(_("%(what)s cannot be in the future.") % {"what": what}, field=field)
    if earliest is not None and value < earliest:
        raise InvalidInput(_("%(what)s cannot be before the need was raised.") % {"what": what}, field=field)
    return value


def raise_demand(customer, *, kind: str, description: str, by, raised_at=None, client_uuid=None) -> Demand:
    """Record a retailer's need, due within the response time of the customer's class.

    `raised_at` is when the manager heard it (a need noted offline is sent later); a repeated submission
    with the same `client_uuid` returns the need already recorded."""
    return record_demand(customer, kind=kind, description=description, by=by, raised_at=raised_at,
                         client_uuid=client_uuid)[0]


def record_demand(customer, *, kind: str, description: str, by, raised_at=None,
                  client_uuid=None) -> tuple[Demand, bool]:
    """`raise_demand`, saying whether this call recorded the need (False: a replay of the same `client_uuid`,
    seen before or lost in a race with its twin) — the API answers 201 or 200 by it."""
    if client_uuid:
        existing = Demand.objects.filter(client_uuid=client_uuid).first()
        if existing is not None:
            if existing.customer_id != customer.pk:
                raise InvalidInput(_("This submission id was already used for another customer."),
                                   field="client_uuid")
            return existing, False
    if kind not in Demand.Kind.values:
        raise InvalidInput(_("Choose what kind of need this is."), field="kind")
    description = (description or "").strip()
    if not description:
        raise InvalidInput(_("Describe what the retailer needs."), field="description")
    if len(description) > DESCRIPTION_MAX:
        raise InvalidInput(_("The description is too long (%(max)s characters at most).") % {"max": DESCRIPTION_MAX},
                           field="description")
    raised_at = _moment(raised_at, what=_("The time the need was raised"), field="raised_at")
    if raised_at < timezone.now() - RAISED_AT_MAX_AGE:
        raise InvalidInput(_("The time the need was raised cannot be more than %(days)s days ago.")
                           % {"days": RAISED_AT_MAX_AGE.days}, field="raised_at")
    hours = response_hours_for(customer)
    department = department_for(customer.company_id, kind)
    demand = Demand(customer=customer, kind=kind, description=description, raised_by=by, raised_at=raised_at,
                    response_hours=hours, due_at=raised_at + timedelta(hours=hours), department=department)
    if client_uuid:
        demand.client_uuid = client_uuid
    try:
        with transaction.atomic():
            demand.save()
            _step(demand, DemandStep.Action.RAISED, by, raised_at, description)
            if department is not None:
                _step(demand, DemandStep.Action.ROUTED, None, raised_at, department.name)
                notify(department_staff(department), "demand_routed", args=_args(demand), link=link(demand))
    except IntegrityError:
        if not client_uuid:
            raise
        # Two identical submissions raced; the first one won.
        return Demand.objects.get(client_uuid=client_uuid), False
    return demand, True


# --- routing ---------------------------------------------------------------------------------------------


def department_for(company_id, kind: str) -> Department | None:
    """The department a kind of need goes to: the company's DemandRoute, else DEFAULT_ROUTES."""
    route = DemandRoute.objects.filter(company_id=company_id, kind=kind).select_related("department").first()
    if route is not None:
        return route.department
    return Department.objects.filter(company_id=company_id, kind=DEFAULT_ROUTES.get(kind, "service")).first()


def department_staff(department):
    return User.objects.filter(department=department, is_active=True)


def link(demand: Demand) -> str:
    return reverse("followup:demand_detail", args=[demand.pk])


def _args(demand: Demand, **more) -> dict:
    customer = demand.customer
    return {"customer": customer.name, "what": demand.description[:60],
            "department": demand.department.name if demand.department else "", **more}


def _step(demand, action, by, at=None, note="") -> DemandStep:
    return DemandStep.objects.create(demand=demand, action=action, by=by, at=at or timezone.now(),
                                     note=(note or "")[:REASON_MAX])


# --- who may take which step -------------------------------------------------------------------------------


def in_department(user, demand: Demand) -> bool:
    """Staff (or monopoly officers) of the department the need is routed to."""
    return demand.department_id is not None and user.department_id == demand.department_id


def is_its_manager(user, demand: Demand) -> bool:
    """The customer's manager, or an admin of the company (supervisors read)."""
    if user.is_superuser:
        return True
    if user.company_id != demand.customer.company_id:
        return False
    return user.is_company_admin or (user.is_manager and demand.customer.manager_id == user.pk)


def may_act(user, demand: Demand) -> bool:
    return in_department(user, demand) or is_its_manager(user, demand)


def _locked(demand: Demand) -> Demand:
    # Lock the need's row only: PostgreSQL cannot lock the nullable side of the department's outer join.
    return Demand.objects.select_for_update(of=("self",)).select_related("customer", "department").get(pk=demand.pk)


def _text(value, *, field, empty, limit) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(empty, field=field)
    if len(value) > limit:
        raise InvalidInput(_("This is too long (%(max)s characters at most).") % {"max": limit}, field=field)
    return value


# --- the department's steps --------------------------------------------------------------------------------


def accept_demand(demand: Demand, *, by) -> Demand:
    """The department takes the need on. Accepting an accepted need again changes nothing."""
    with transaction.atomic():
        demand = _locked(demand)
        if not in_department(by, demand):
            raise PermissionDenied(_("Only the department the need is routed to can accept it."))
        if demand.status == Demand.Status.ACCEPTED:
            return demand
        if demand.status != Demand.Status.OPEN:
            raise ActionRefused(_("Only a need waiting for the department can be accepted."))
        demand.status = Demand.Status.ACCEPTED
        demand.save(update_fields=["status"])
        _step(demand, DemandStep.Action.ACCEPTED, by)
    return demand


def hand_back_demand(demand: Demand, *, by, reason: str) -> Demand:
    """The department gives the need back to the manager, saying why (not theirs, the manager can settle
    it). The manager is told."""
    reason = _text(reason, field="reason", empty=_("Say why the need is handed back."), limit=REASON_MAX)
    with transaction.atomic():
        demand = _locked(demand)
        if not in_department(by, demand):
            raise PermissionDenied(_("Only the department the need is routed to can hand it back."))
        if demand.status == Demand.Status.HANDED_BACK:
            return demand
        if demand.status not in (Demand.Status.OPEN, Demand.Status.ACCEPTED):
            raise ActionRefused(_("Only a need the department has not resolved can be handed back."))
        demand.status = Demand.Status.HANDED_BACK
        demand.save(update_fields=["status"])
        _step(demand, DemandStep.Action.HANDED_BACK, by, note=reason)
        notify(demand.customer.manager, "demand_handed_back", args=_args(demand, reason=reason[:100]),
               link=link(demand))
    return demand


def resolve_demand(demand: Demand, *, by, resolution: str, resolved_at=None) -> Demand:
    """Record what was done: by the department (waiting or accepted needs), or by the manager, who may
    settle alone any need not yet resolved. The manager is told to feed the outcome back to the retailer.
    The same resolution again changes nothing (a replay)."""
    resolution = _text(resolution, field="resolution", empty=_("Say how the need was resolved."),
                       limit=RESOLUTION_MAX)
    with transaction.atomic():
        demand = _locked(demand)
        if not may_act(by, demand):
            raise PermissionDenied(_("Only the department the need is routed to, or its manager, can resolve it."))
        if demand.is_resolved:
            if demand.resolution == resolution:
                return demand
            raise ActionRefused(_("This need is already resolved."))
        if not is_its_manager(by, demand) and demand.status == Demand.Status.HANDED_BACK:
            raise ActionRefused(_("This need was handed back to the manager."))
        resolved_at = _moment(resolved_at, earliest=demand.raised_at, what=_("The resolving time"),
                              field="resolved_at")
        demand.status = Demand.Status.RESOLVED
        demand.resolution = resolution
        demand.resolved_at = resolved_at
        demand.resolved_by = by
        demand.save(update_fields=["status", "resolution", "resolved_at", "resolved_by"])
        _step(demand, DemandStep.Action.RESOLVED, by, resolved_at, resolution)
        if demand.customer.manager_id != by.pk:
            notify(demand.customer.manager, "demand_resolved", args=_args(demand, resolution=resolution[:100]),
                   link=link(demand))
    return demand


# --- the manager's steps -----------------------------------------------------------------------------------


def record_feedback(demand: Demand, *, by, channel: str, retailer_response: str = "", satisfied: bool | None,
                    client_uuid=None, given_at=None, at_visit: bool = False) -> Demand:
    """The manager has told the retailer the outcome: this closes the need. A replay with the same
    `client_uuid` returns the closed need unchanged. `at_visit`: told at a visit the visits app has accepted
    (its checklist answer), which stands even if the store changed hands while the phone was offline."""
    if client_uuid and demand.feedback_uuid == client_uuid:
        return demand
    if channel not in Demand.Channel.values:
        raise InvalidInput(_("Say how the retailer was told (visit, phone, SMS or WeChat)."), field="channel")
    retailer_response = (retailer_response or "").strip()
    if len(retailer_response) > RESPONSE_MAX:
        raise InvalidInput(_("This is too long (%(max)s characters at most).") % {"max": RESPONSE_MAX},
                           field="retailer_response")
    with transaction.atomic():
        demand = _locked(demand)
        if client_uuid and demand.feedback_uuid == client_uuid:
            return demand
        if not at_visit and not is_its_manager(by, demand):
            raise PermissionDenied(_("Only the customer's manager records the feedback to the retailer."))
        if demand.status == Demand.Status.CLOSED:
            raise ActionRefused(_("This need is already closed."))
        if demand.status != Demand.Status.RESOLVED:
            raise ActionRefused(_("Resolve the need first: the retailer is told the outcome once it is resolved."))
        given_at = _moment(given_at, earliest=demand.raised_at, what=_("The feedback time"), field="given_at")
        demand.status = Demand.Status.CLOSED
        demand.feedback_at = demand.closed_at = given_at
        demand.closed_by = by
        demand.feedback_channel = channel
        demand.retailer_response = retailer_response
        demand.satisfied = satisfied
        demand.feedback_uuid = client_uuid or None
        demand.save(update_fields=["status", "feedback_at", "closed_at", "closed_by", "feedback_channel",
                                   "retailer_response", "satisfied", "feedback_uuid"])
        _step(demand, DemandStep.Action.FEEDBACK, by, given_at, retailer_response)
    return demand


def close_demand(demand: Demand, *, by) -> Demand:
    """Closing is the feedback step (record_feedback). This only answers for a need whose feedback is
    recorded (it is closed: returned as it is, so an old client's retry is harmless); any other need is
    refused with the step it is missing, and stays open."""
    demand.refresh_from_db()
    if demand.status == Demand.Status.CLOSED:
        return demand
    if demand.status == Demand.Status.RESOLVED:
        raise ActionRefused(_("Record the feedback to the retailer first: a need closes only once the retailer "
                              "has been told the outcome."))
    raise ActionRefused(_("Resolve the need and record the feedback to the retailer first: a need closes only "
                          "once the retailer has been told the outcome."))


# --- escalation --------------------------------------------------------------------------------------------


def supervisors_of(demand: Demand):
    area_id = demand.customer.manager.area_id
    if area_id is None:
        return User.objects.none()
    return User.objects.filter(role=User.Role.SUPERVISOR, area_id=area_id, is_active=True)


def escalate_overdue(now=None) -> int:
    """Mark each unresolved need past its deadline escalated (once) and tell the supervisor of its
    manager's area. Returns how many were escalated."""
    now = now or timezone.now()
    count = 0
    for pk in Demand.objects.to_escalate(now).values_list("pk", flat=True):
        with transaction.atomic():
            demand = (Demand.objects.select_for_update(of=("self",))
                      .select_related("customer__manager", "department").get(pk=pk))
            if demand.escalated_at is not None or demand.status not in Demand.UNRESOLVED:
                continue
            demand.escalated_at = now
            demand.save(update_fields=["escalated_at"])
            _step(demand, DemandStep.Action.ESCALATED, None, now, str(demand.customer.manager))
            notify(supervisors_of(demand), "demand_overdue",
                   args=_args(demand, manager=str(demand.customer.manager)), link=link(demand))
            count += 1
    return count


