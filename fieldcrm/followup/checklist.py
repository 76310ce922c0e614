"""Needs awaiting feedback on the next visit's checklist (visits.checklist's registry): each need of the
store that is resolved but the retailer not yet told is an item `demand:<id>`; answering it done records
the feedback with channel `visit` (the note is the retailer's response), which closes the need.

`register()` is called from `FollowupConfig.ready()`; visits never imports followup."""

from __future__ import annotations

from django.utils.translation import gettext as _

from fieldcrm.errors import InvalidInput
from fieldcrm.followup import actions
from fieldcrm.followup.models import Demand
from fieldcrm.visits import checklist

KIND = "demand"


def awaiting_feedback(customer, day, user, planned_visit) -> list[checklist.ChecklistItem]:
    demands = Demand.objects.awaiting_feedback().filter(customer=customer).order_by("resolved_at", "pk")
    return [
        checklist.ChecklistItem(
            code=f"{KIND}:{demand.pk}", kind=KIND,
            text=_("Tell the retailer the outcome of their need (%(kind)s: %(what)s): %(resolution)s")
            % {"kind": demand.get_kind_display(), "what": demand.description, "resolution": demand.resolution},
            data={"demand_id": demand.pk, "kind": demand.kind, "resolution": demand.resolution,
                  "resolved_at": demand.resolved_at.isoformat() if demand.resolved_at else None},
        )
        for demand in demands
    ]


def feedback_at_visit(item_code: str, done: bool, note: str, by, visit) -> None:
    """Done: the retailer was told at this visit. A need closed meanwhile (told by phone) is left as it is."""
    if not done:
        return
    pk = item_code.split(":", 1)[1]
    demand = Demand.objects.filter(pk=pk if pk.isdigit() else 0, customer_id=visit.customer_id).first()
    if demand is None:
        raise InvalidInput(_("No such need awaiting feedback at this store: %(code)s") % {"code": item_code},
                           field="checklist")
    if demand.status == Demand.Status.CLOSED:
        return
    told_at = visit.checked_out_at or visit.checked_in_at
    if demand.resolved_at and told_at < demand.resolved_at:
        told_at = demand.resolved_at
    actions.record_feedback(demand, by=by, channel=Demand.Channel.VISIT, retailer_response=note or "",
                            satisfied=None, given_at=told_at, at_visit=True)


def register() -> None:
    checklist.register(KIND, awaiting_feedback, answer=feedback_at_visit)
