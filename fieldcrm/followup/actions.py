"""Every change to a retailer's need goes through these functions: pages, API, demo and (later) jobs alike.

Each validates its input itself (forms and schemas check first, for the user's sake), runs in one
transaction and refuses what the need's state does not allow.
"""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fieldcrm.care.models import ServicePolicy
from fieldcrm.errors import ActionRefused, InvalidInput
from fieldcrm.followup.models import Demand

DESCRIPTION_MAX = Demand._meta.get_field("description").max_length
RESOLUTION_MAX = Demand._meta.get_field("resolution").max_length
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
    if client_uuid:
        existing = Demand.objects.filter(client_uuid=client_uuid).first()
        if existing is not None:
            if existing.customer_id != customer.pk:
                raise InvalidInput(_("This submission id was already used for another customer."),
                                   field="client_uuid")
            return existing
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
    demand = Demand(customer=customer, kind=kind, description=description, raised_by=by, raised_at=raised_at,
                    response_hours=hours, due_at=raised_at + timedelta(hours=hours))
    if client_uuid:
        demand.client_uuid = client_uuid
    try:
        with transaction.atomic():
            demand.save()
    except IntegrityError:
        if not client_uuid:
            raise
        # Two identical submissions raced; the first one won.
        return Demand.objects.get(client_uuid=client_uuid)
    return demand


def close_demand(demand: Demand, *, by, resolution: str, feedback_given: bool = True, closed_at=None) -> Demand:
    """Close a need with what was done about it; `feedback_given` says the retailer has been told (the
    metric counts a need as answered only with feedback)."""
    resolution = (resolution or "").strip()
    if not resolution:
        raise InvalidInput(_("Say how the need was resolved."), field="resolution")
    if len(resolution) > RESOLUTION_MAX:
        raise InvalidInput(_("The resolution is too long (%(max)s characters at most).") % {"max": RESOLUTION_MAX},
                           field="resolution")
    with transaction.atomic():
        demand = Demand.objects.select_for_update().get(pk=demand.pk)
        if demand.status != Demand.Status.OPEN:
            raise ActionRefused(_("This need is already closed."))
        closed_at = _moment(closed_at, earliest=demand.raised_at, what=_("The closing time"), field="closed_at")
        demand.status = Demand.Status.CLOSED
        demand.closed_at = closed_at
        demand.closed_by = by
        demand.resolution = resolution
        demand.feedback_at = closed_at if feedback_given else None
        demand.save(update_fields=["status", "closed_at", "closed_by", "resolution", "feedback_at"])
    return demand
