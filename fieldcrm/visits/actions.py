"""Everything that changes a weekly visit plan: generating it, the manager's edits, submission and the
supervisor's decision, and requests to join a visit. Pages, the API and jobs all call these; reading a
plan's days is `routing.plan_days`.

Rules: a draft or returned plan is edited freely (each edit logged); a submitted plan waits for the
supervisor; after approval every change is an ad-hoc change and needs a reason. Every write bumps the
plan's version, so an edit based on an older page is refused instead of overwriting a newer one.
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fieldcrm.customers.models import CustomerStatus, OrderDay
from fieldcrm.errors import ActionRefused, InvalidInput, StaleVersion
from fieldcrm.notices import notify
from fieldcrm.visits import candidates, planning, reasons
from fieldcrm.visits.candidates import service_minutes
from fieldcrm.visits.models import JoinRequest, PlanChange, PlannedVisit, PlanningPolicy, Reason, WeekPlan
from fieldcrm.visits.routing import cheapest_position, day_route, depot_of_plan
from fieldcrm.visits.weeks import week_days


def stale_plan() -> StaleVersion:
    return StaleVersion(_("The plan was changed after you opened it (perhaps on another device). Reload it and "
                          "try again."))


# --- generating --------------------------------------------------------------------------------------


def generate_week_plan(manager, week_start: date, *, by=None, time_limit=None, workers=None) -> WeekPlan:
    """Plan the manager's week from the database: the stores due and why, routed day by day.

    The slow part (the solver) runs before the transaction; the write replaces the draft in one
    transaction, so a failure leaves the previous plan exactly as it was. A manager above the size limit
    is refused (TooLarge) before anything is built."""
    policy = PlanningPolicy.for_company(manager.company)
    existing = WeekPlan.objects.filter(manager=manager, week_start=week_start).first()
    if existing is not None and existing.status in (WeekPlan.Status.SUBMITTED, WeekPlan.Status.APPROVED):
        raise ActionRefused(_("This week's plan is already %(status)s; it is not generated again.")
                            % {"status": existing.get_status_display()})
    planning.check_size(manager)
    due = candidates.week_candidates(manager, week_start, policy)
    week = planning.build_problem(manager, week_start, policy, due)
    solution = planning.solve(week.problem, time_limit, workers=workers)
    with transaction.atomic():
        plan, _created = WeekPlan.objects.select_for_update().get_or_create(manager=manager, week_start=week_start)
        if plan.status in (WeekPlan.Status.SUBMITTED, WeekPlan.Status.APPROVED):
            raise ActionRefused(_("This week's plan was submitted while it was being generated."))
        plan.visits.all().delete()
        plan.status = WeekPlan.Status.DRAFT
        plan.generated_at = timezone.now()
        plan.depot_latitude, plan.depot_longitude = week.depot or (None, None)
        plan.solver = {**solution.get("solver", {}), "distance_km": round(solution.get("distance", 0.0), 2)}
        plan.unplanned = [_unplanned(week.candidates[i]) for i in solution["unassigned"]]
        plan.unplanned += [_unplanned(c, located=False) for c in week.unlocated]
        plan.version = F("version") + 1
        plan.save()
        plan.refresh_from_db()
        days = week_days(plan, policy)
        visits: list[PlannedVisit] = []
        planned: list[tuple[PlannedVisit, dict[str, list[int]]]] = []
        for route in solution["routes"]:
            for sequence, stop_id in enumerate(route["stops"], start=1):
                candidate = week.candidates[stop_id]
                visit = PlannedVisit(plan=plan, customer=candidate.customer, day=days[route["day"]],
                                     sequence=sequence, reasons=candidate.reasons, visit_by=candidate.visit_by,
                                     problems=_problems(candidate, visits))
                visits.append(visit)
                planned.append((visit, candidate.subjects))
        PlannedVisit.objects.bulk_create(visits)
        # What each visit is for, as a relation in the app that gave the reason (e.g. followup's needs).
        reasons.link_subjects(planned)
        _store_arrivals(plan, policy)
        _log(plan, PlanChange.Kind.GENERATE, by or manager)
    return plan


def _unplanned(candidate, located=True) -> dict:
    customer = candidate.customer
    why = "" if located else _("no location on the profile")
    return {"customer_id": customer.pk, "code": customer.customer_code, "name": customer.name,
            "reasons": candidate.reasons, "why": why or _("did not fit into the week")}


def _problems(candidate, earlier) -> str:
    """The problems to solve at this visit: every reason beyond the routine one, on the first visit only."""
    if any(v.customer_id == candidate.customer.pk for v in earlier):
        return ""
    return "；".join(r["text"] for r in candidate.reasons if r["code"] != Reason.STANDARD)


def _store_arrivals(plan, policy):
    visits = list(plan.visits.select_related("customer__customer_class__service_standard"))
    depot = depot_of_plan(plan)
    for day in sorted({v.day for v in visits}):
        day_route(day, [v for v in visits if v.day == day], depot, policy)
    PlannedVisit.objects.bulk_update(visits, ["arrival"])


# --- editing -----------------------------------------------------------------------------------------


def _begin_edit(plan, by, reason: str, expected_version) -> tuple[WeekPlan, bool]:
    """Lock the plan, check it may be edited now, and return it with whether the change is ad hoc."""
    locked = WeekPlan.objects.select_for_update().get(pk=plan.pk)
    if expected_version is not None and int(expected_version) != locked.version:
        raise stale_plan()
    if locked.status == WeekPlan.Status.SUBMITTED:
        raise ActionRefused(_("The plan is waiting for your supervisor; it can be changed once it is approved or "
                              "returned."))
    ad_hoc = locked.status == WeekPlan.Status.APPROVED
    if ad_hoc and not reason.strip():
        raise InvalidInput(_("The plan is approved: give the reason for this ad-hoc change."), field="reason")
    return locked, ad_hoc


def _finish_edit(plan, kind, by, *, ad_hoc=False, reason="", customer=None, from_day=None, to_day=None):
    WeekPlan.objects.filter(pk=plan.pk).update(version=F("version") + 1)
    _log(plan, kind, by, ad_hoc=ad_hoc, reason=reason, customer=customer, from_day=from_day, to_day=to_day)
    _store_arrivals(plan, PlanningPolicy.for_company(plan.manager.company))
    plan.refresh_from_db()


def _log(plan, kind, by, **fields):
    fields["reason"] = (fields.get("reason") or "")[:200]
    PlanChange.objects.create(plan=plan, kind=kind, by=by, **fields)


def _check_day(plan, day: date):
    policy = PlanningPolicy.for_company(plan.manager.company)
    if day not in week_days(plan, policy):
        raise InvalidInput(_("%(day)s is not a working day of this plan's week.") % {"day": day}, field="day")


def _resequence(plan, day):
    for sequence, visit in enumerate(plan.visits.filter(day=day).order_by("sequence", "pk"), start=1):
        if visit.sequence != sequence:
            PlannedVisit.objects.filter(pk=visit.pk).update(sequence=sequence)


def _place(plan, visit, day, position):
    """Put the visit at `position` (1-based) of `day`, shifting the others."""
    others = list(plan.visits.filter(day=day).exclude(pk=visit.pk).order_by("sequence", "pk"))
    position = max(1, min(position, len(others) + 1))
    others.insert(position - 1, visit)
    for sequence, other in enumerate(others, start=1):
        PlannedVisit.objects.filter(pk=other.pk).update(day=day, sequence=sequence)


# --- does the day still work? --------------------------------------------------------------------------
#
# Rules for a visit moved or added to a day (the manager decides, the plan says why in words):
# - the store's weekly rest day: refused (nobody is there to visit);
# - arriving too late to finish before closing, or a day longer than the working day: asked to confirm
#   (`confirm=True`), then saved with the reason logged on the change.


def _check_rest_day(customer, day: date):
    if customer.rest_day and customer.rest_day == day.isoweekday():
        raise ActionRefused(_("%(store)s is closed on %(weekday)s (its weekly rest day).")
                            % {"store": customer.name, "weekday": OrderDay(customer.rest_day).label})


def _day_problems(plan, day: date, policy) -> tuple[set[int], int, list]:
    """The day as routed now: the customers reached too late, and its minutes."""
    visits = list(plan.visits.filter(day=day).order_by("sequence", "pk")
                  .select_related("customer__customer_class__service_standard"))
    route = day_route(day, visits, depot_of_plan(plan), policy)
    return {v.customer_id for v in route.late}, route.minutes, visits


def _fit_warnings(plan, day: date, before, policy) -> list[str]:
    """What the edit broke on `day`, in words: stores newly reached after closing, a day newly too long."""
    late_before, minutes_before, _visits = before
    late, day_minutes, visits = _day_problems(plan, day, policy)
    warnings = []
    for visit in visits:
        if visit.customer_id in late and visit.customer_id not in late_before:
            warnings.append(_("%(store)s opens %(hours)s: arrival %(arrival)s leaves no time for the "
                              "%(stay)s-minute visit before closing.")
                            % {"store": visit.customer.name, "hours": visit.customer.business_hours,
                               "arrival": f"{visit.arrival:%H:%M}", "stay": service_minutes(visit.customer)})
    if day_minutes > policy.day_minutes and day_minutes > minutes_before:
        warnings.append(_("%(day)s would take %(minutes)s minutes; the working day is %(limit)s.")
                        % {"day": day.strftime("%m-%d"), "minutes": day_minutes, "limit": policy.day_minutes})
    return warnings


def _confirm_or_refuse(warnings: list[str], confirm: bool, reason: str) -> str:
    """Without confirmation a change that breaks the day is refused with why; confirmed, the why is logged."""
    if not warnings:
        return reason
    if not confirm:
        raise ActionRefused(" ".join(warnings) + " " + _("Confirm to save it anyway."), field="confirm")
    return " ".join(filter(None, [reason.strip(), *warnings]))


def move_visit(visit, to_day: date, *, by, reason="", expected_version=None, confirm=False) -> PlannedVisit:
    with transaction.atomic():
        plan, ad_hoc = _begin_edit(visit.plan, by, reason, expected_version)
        _check_day(plan, to_day)
        if to_day == visit.day:
            return visit
        if plan.visits.filter(customer=visit.customer, day=to_day).exists():
            raise ActionRefused(_("%(store)s is already planned on that day.") % {"store": visit.customer.name})
        _check_rest_day(visit.customer, to_day)
        policy = PlanningPolicy.for_company(plan.manager.company)
        before = _day_problems(plan, to_day, policy)
        from_day = visit.day
        _place(plan, visit, to_day, cheapest_position(plan, to_day, visit.customer))
        _resequence(plan, from_day)
        reason = _confirm_or_refuse(_fit_warnings(plan, to_day, before, policy), confirm, reason)
        _finish_edit(plan, PlanChange.Kind.MOVE, by, ad_hoc=ad_hoc, reason=reason, customer=visit.customer,
                     from_day=from_day, to_day=to_day)
    visit.refresh_from_db()
    return visit


def reorder_visit(visit, position: int, *, by, reason="", expected_version=None) -> PlannedVisit:
    with transaction.atomic():
        plan, ad_hoc = _begin_edit(visit.plan, by, reason, expected_version)
        _place(plan, visit, visit.day, position)
        _finish_edit(plan, PlanChange.Kind.REORDER, by, ad_hoc=ad_hoc, reason=reason, customer=visit.customer,
                     from_day=visit.day, to_day=visit.day)
    visit.refresh_from_db()
    return visit


def add_visit(plan, customer, day: date, *, by, reason="", problems="", expected_version=None,
              confirm=False) -> PlannedVisit:
    if customer.manager_id != plan.manager_id:
        raise InvalidInput(_("%(store)s is not one of this manager's customers.") % {"store": customer.name},
                           field="customer_code")
    if customer.status != CustomerStatus.ACTIVE:
        raise InvalidInput(_("%(store)s is not active.") % {"store": customer.name}, field="customer_code")
    with transaction.atomic():
        plan, ad_hoc = _begin_edit(plan, by, reason, expected_version)
        _check_day(plan, day)
        _check_rest_day(customer, day)
        policy = PlanningPolicy.for_company(plan.manager.company)
        before = _day_problems(plan, day, policy)
        given = [{"code": str(Reason.MANUAL), "text": reason.strip() or _("Added by hand")}]
        try:
            with transaction.atomic():
                visit = PlannedVisit.objects.create(plan=plan, customer=customer, day=day, sequence=999,
                                                    reasons=given, problems=problems[:1000], ad_hoc=ad_hoc)
        except IntegrityError:
            raise ActionRefused(_("%(store)s is already planned on that day.") % {"store": customer.name}) from None
        _place(plan, visit, day, cheapest_position(plan, day, customer))
        plan.unplanned = [u for u in plan.unplanned if u.get("customer_id") != customer.pk]
        WeekPlan.objects.filter(pk=plan.pk).update(unplanned=plan.unplanned)
        logged = _confirm_or_refuse(_fit_warnings(plan, day, before, policy), confirm, reason)
        _finish_edit(plan, PlanChange.Kind.ADD, by, ad_hoc=ad_hoc, reason=logged, customer=customer, to_day=day)
    visit.refresh_from_db()
    return visit


def remove_visit(visit, *, by, reason="", expected_version=None):
    with transaction.atomic():
        plan, ad_hoc = _begin_edit(visit.plan, by, reason, expected_version)
        day, customer = visit.day, visit.customer
        visit.delete()
        _resequence(plan, day)
        _finish_edit(plan, PlanChange.Kind.REMOVE, by, ad_hoc=ad_hoc, reason=reason, customer=customer,
                     from_day=day)


def set_problems(visit, problems: str, *, by, expected_version=None) -> PlannedVisit:
    """The key problems are notes, not the route: editable in any state but submitted ones too."""
    with transaction.atomic():
        plan = WeekPlan.objects.select_for_update().get(pk=visit.plan_id)
        if expected_version is not None and int(expected_version) != plan.version:
            raise stale_plan()
        PlannedVisit.objects.filter(pk=visit.pk).update(problems=problems.strip()[:1000])
        WeekPlan.objects.filter(pk=plan.pk).update(version=F("version") + 1)
        _log(plan, PlanChange.Kind.PROBLEMS, by, customer=visit.customer, to_day=visit.day)
    visit.refresh_from_db()
    return visit


def reoptimise(plan, *, by, reason="", expected_version=None, time_limit=None) -> WeekPlan:
    """Re-route every day keeping each visit on its day (the manager's moves stand); only the order
    changes. Visits the solver cannot fit keep their place at the end of their day."""
    policy = PlanningPolicy.for_company(plan.manager.company)
    visits = list(plan.visits.select_related("customer__customer_class__service_standard"))
    days = week_days(plan, policy)
    order = planning.day_orders(visits, days, depot_of_plan(plan), policy, time_limit)
    with transaction.atomic():
        plan, ad_hoc = _begin_edit(plan, by, reason, expected_version)
        if order:
            current = {v.pk: v for v in plan.visits.all()}
            for day in days:
                on_day = sorted((v for v in current.values() if v.day == day),
                                key=lambda v: (order.get(v.pk, 10_000), v.sequence))
                for sequence, visit in enumerate(on_day, start=1):
                    PlannedVisit.objects.filter(pk=visit.pk).update(sequence=sequence)
        _finish_edit(plan, PlanChange.Kind.REOPTIMISE, by, ad_hoc=ad_hoc, reason=reason)
    return plan


# --- submission and approval -------------------------------------------------------------------------


def submit_plan(plan, *, by, expected_version=None) -> WeekPlan:
    with transaction.atomic():
        locked = WeekPlan.objects.select_for_update().get(pk=plan.pk)
        if expected_version is not None and int(expected_version) != locked.version:
            raise stale_plan()
        if locked.status not in (WeekPlan.Status.DRAFT, WeekPlan.Status.RETURNED):
            raise ActionRefused(_("Only a draft or returned plan can be submitted."))
        if not locked.visits.exists():
            raise ActionRefused(_("The plan has no visits."))
        now = timezone.now()
        policy = PlanningPolicy.for_company(locked.manager.company)
        locked.status = WeekPlan.Status.SUBMITTED
        locked.submitted_at = now
        locked.submitted_late = now > policy.deadline_for(locked.week_start)
        locked.version += 1
        locked.save()
        _log(locked, PlanChange.Kind.SUBMIT, by)
    return locked


def decide_plan(plan, *, by, approve: bool, comment="") -> WeekPlan:
    comment = comment.strip()
    if not approve and not comment:
        raise InvalidInput(_("Say what should change: a returned plan needs a comment."), field="comment")
    with transaction.atomic():
        locked = WeekPlan.objects.select_for_update().get(pk=plan.pk)
        if locked.status != WeekPlan.Status.SUBMITTED:
            raise ActionRefused(_("Only a submitted plan can be approved or returned."))
        locked.status = WeekPlan.Status.APPROVED if approve else WeekPlan.Status.RETURNED
        locked.decided_at = timezone.now()
        locked.decided_by = by
        locked.supervisor_comment = comment[:500]
        locked.version += 1
        locked.save()
        _log(locked, PlanChange.Kind.APPROVE if approve else PlanChange.Kind.RETURN, by, reason=comment)
        # The manager hears the decision (in-app notice, sent when it commits).
        notify(locked.manager, "plan_approved" if approve else "plan_returned",
               args={"week": locked.week_start.isoformat(), "comment": comment[:100]},
               link=reverse("visits:plan", args=[locked.pk]))
    return locked


# --- coordinating staff ------------------------------------------------------------------------------


def request_join(visit, *, by, note: str) -> JoinRequest:
    note = note.strip()
    if not note:
        raise InvalidInput(_("Say why you want to join the visit."), field="note")
    join, created = JoinRequest.objects.get_or_create(visit=visit, requester=by, defaults={"note": note[:200]})
    if not created and join.status == JoinRequest.Status.PENDING and join.note != note[:200]:
        join.note = note[:200]
        join.save(update_fields=["note"])
    return join


def decide_join(join, *, accept: bool) -> JoinRequest:
    with transaction.atomic():
        locked = JoinRequest.objects.select_for_update().get(pk=join.pk)
        if locked.status != JoinRequest.Status.PENDING:
            return locked
        locked.status = JoinRequest.Status.ACCEPTED if accept else JoinRequest.Status.DECLINED
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "decided_at"])
    return locked
