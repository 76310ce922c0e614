"""Visit plan pages: the week list, one plan (calendar, map, edits, submit/approve), planning progress and
the coordination view for logistics and monopoly staff. Edits are plain POST forms that come back to the
plan, so they work on any phone browser; every write goes through visits/actions.py."""

from __future__ import annotations

import io
from datetime import date, timedelta

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fieldcrm.customers.models import Customer, CustomerStatus
from fieldcrm.lib.periods import next_week_start, week_start
from fieldcrm.org.models import PersonalDataExport, User
from fieldcrm.pages import refusal_as_message
from fieldcrm.visits import access, actions
from fieldcrm.visits.exporting import export_plan_xlsx
from fieldcrm.visits.metrics import counts_of
from fieldcrm.visits.models import JoinRequest, PlannedVisit, PlanningJob, PlanningPolicy, PlanningRun, WeekPlan
from fieldcrm.visits.reasons import reason_text
from fieldcrm.visits.routing import day_route, depot_of_plan, plan_days
from fieldcrm.visits.store_search import matching_stores, only_match
from fieldcrm.visits.tasks import start_manager_job, start_planning
from fieldcrm.visits.weeks import week_days

TILE_PRESETS = {
    "osm": ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "© OpenStreetMap", "", "wgs84"),
    "amap": ("https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
             "© 高德地图", "1234", "gcj02"),
    "tianditu": ("https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec"
                 "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=KEY",
                 "© 天地图", "01234567", "wgs84"),
    "none": ("", "", "", "wgs84"),
}


def map_tiles() -> dict:
    url, attribution, subdomains, coords = TILE_PRESETS.get(settings.MAP_TILES, TILE_PRESETS["none"])
    if settings.MAP_TILE_URL:
        url = settings.MAP_TILE_URL
    return {"url": url.replace("KEY", settings.MAP_TILE_KEY), "attribution": attribution,
            "subdomains": subdomains, "coords": coords}


# The weeks the pages show: the pages step a week back and forth, which a date near year 1 or 9999 cannot.
FIRST_WEEK, LAST_WEEK = date(2000, 1, 3), date(2199, 12, 30)


class WeekField(forms.DateField):
    def clean(self, value):
        day = super().clean(value)
        if day is not None and day != week_start(day):
            raise forms.ValidationError(_("A week starts on a Monday."))
        if day is not None and not FIRST_WEEK <= day <= LAST_WEEK:
            raise forms.ValidationError(_("Choose a week between %(first)s and %(last)s.")
                                        % {"first": FIRST_WEEK, "last": LAST_WEEK})
        return day


class WeekForm(forms.Form):
    week = WeekField(required=False)


def _week_from(request, *, say=True) -> date:
    """The week asked for in `?week=`, else next week (saying why when the asked one is not a week)."""
    form = WeekForm(request.GET)
    if form.is_valid() and form.cleaned_data["week"]:
        return form.cleaned_data["week"]
    if say and not form.is_valid():
        messages.error(request, " ".join(form.errors["week"]))
    return next_week_start(timezone.localdate())


@login_required
def index(request):
    user = request.user
    week = _week_from(request)
    if user.is_department_staff:
        return _coordination(request, week)
    plans = WeekPlan.objects.visible_to(user).select_related("manager")
    context = {"week": week, "previous_week": week - timedelta(days=7), "next_week": week + timedelta(days=7),
               "next_monday": next_week_start(timezone.localdate())}
    if user.is_manager:
        context["plans"] = plans[:20]
        context["this_plan"] = plans.filter(week_start=week).first()
        waiting = PlanningJob.objects.filter(
            manager=user, week_start=week, status__in=[PlanningJob.Status.QUEUED, PlanningJob.Status.RUNNING])
        context["running"] = any(not job.stalled for job in waiting)
        context["join_requests"] = JoinRequest.objects.filter(
            visit__plan__manager=user, status=JoinRequest.Status.PENDING).select_related("visit__plan", "requester")
        return render(request, "visits/my_plans.html", context)
    company = user.company
    if company is None:
        raise Http404("No company")
    managers = list(User.objects.team_of(user).active().order_by("username"))
    by_manager = {p.manager_id: p for p in plans.filter(week_start=week)}
    policy = PlanningPolicy.for_company(company)
    visits_by_plan: dict[int, list] = {}
    for visit in PlannedVisit.objects.filter(plan__in=by_manager.values()).select_related(
            "customer__customer_class__service_standard", "done_visit"):  # one query for the whole team
        visits_by_plan.setdefault(visit.plan_id, []).append(visit)
    actual = {row["pk"]: row for row in WeekPlan.objects.filter(pk__in=[p.pk for p in by_manager.values()])
              .values("pk").annotate(**counts_of(timezone.localdate(), "visits__")).order_by()}
    context["rows"] = [
        {"manager": m, "plan": plan,
         "totals": plan and _totals(plan, policy, visits_by_plan.get(plan.pk, []), actual.get(plan.pk, {}))}
        for m in managers for plan in [by_manager.get(m.pk)]
    ]
    context["runs"] = PlanningRun.objects.filter(company=company, requested_by=user)[:5]
    context["deadline"] = PlanningPolicy.for_company(company).deadline_for(week)
    return render(request, "visits/team_plans.html", context)


def _totals(plan, policy, visits, actual: dict) -> dict:
    """A plan's week at a glance for the supervisor: visits, km, hours, unplanned stores, and plan versus
    actual so far (planned visits done on site, done off-site, missed: `metrics.counts_of`, the one rule)."""
    days = plan_days(plan, policy, visits)
    return {"visits": sum(len(d.visits) for d in days), "km": sum(d.km for d in days),
            "hours": sum(d.minutes for d in days) / 60, "unplanned": len(plan.unplanned),
            "done": actual.get("done", 0), "off_site": actual.get("off_site", 0), "missed": actual.get("missed", 0)}


@login_required
@require_POST
def generate(request):
    """A manager generates their own plan for a week; a supervisor or admin starts a run for the team."""
    user = request.user
    form = WeekForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("week", [])))
        return redirect("visits:index")
    week = form.cleaned_data["week"] or next_week_start(timezone.localdate())
    back = redirect(f"{reverse('visits:index')}?week={week}")
    with refusal_as_message(request):
        run, _jobs = start_planning(user, week)
        if run is not None:
            return redirect("visits:run", pk=run.pk)
        if user.is_manager:
            messages.info(request, _("Planning your week… the plan appears here in about %(seconds)s seconds.")
                          % {"seconds": settings.VISIT_PLAN_SECONDS})
        else:
            messages.info(request, _("Everybody in the team already has a plan for this week."))
    return back


@login_required
def run_progress(request, pk):
    run = access.get_run_for_user(request.user, pk)
    jobs = run.jobs.select_related("manager", "plan")
    context = {"run": run, "jobs": jobs, "counts": run.counts()}
    template = "visits/_run_status.html" if request.htmx else "visits/run.html"
    return render(request, template, context)


@login_required
def job_status(request):
    """The manager's own planning job for a week (polled by the page while it runs)."""
    week = _week_from(request, say=False)
    job = PlanningJob.objects.filter(manager=request.user, week_start=week).order_by("-pk").first()
    plan = WeekPlan.objects.filter(manager=request.user, week_start=week).first()
    return render(request, "visits/_job_status.html", {"job": job, "plan": plan, "week": week})


def _day_label(day: date) -> str:
    return f"{formats.date_format(day, 'D')} {day:%m/%d}"


def _map_data(plan, days) -> dict:
    depot = None
    if plan.depot_latitude is not None:
        depot = {"lat": plan.depot_latitude, "lon": plan.depot_longitude, "label": _("Start")}
    return {
        "depot": depot,
        "days": [
            {"index": i, "date": route.day.isoformat(), "label": _day_label(route.day), "km": round(route.km, 1),
             "minutes": route.minutes,
             "visits": [{"id": v.pk, "seq": v.sequence, "lat": v.customer.latitude, "lon": v.customer.longitude,
                         "name": v.customer.name, "code": v.customer.customer_code,
                         "arrival": f"{v.arrival:%H:%M}" if v.arrival else "",
                         "reasons": [reason_text(r) for r in v.reasons],
                         "url": reverse("customers:detail", args=[v.customer.customer_code])}
                        for v in route.visits]}
            for i, route in enumerate(days)
        ],
    }


@login_required
def plan_detail(request, pk):
    plan = access.get_plan_for_user(request.user, pk)
    policy = PlanningPolicy.for_company(plan.manager.company)
    days = plan_days(plan, policy)
    context = {
        "plan": plan,
        "days": [{"route": route, "label": _day_label(route.day), "index": i} for i, route in enumerate(days)],
        "day_choices": [(route.day.isoformat(), _day_label(route.day)) for route in days],
        "totals": {"visits": sum(len(r.visits) for r in days), "km": sum(r.km for r in days),
                   "minutes": sum(r.minutes for r in days)},
        "map_data": _map_data(plan, days),
        "tiles": map_tiles(),
        "can_edit": access.can_edit_now(request.user, plan),
        "is_owner": access.can_edit_plan(request.user, plan),
        "can_decide": access.can_decide_now(request.user, plan),
        "deadline": policy.deadline_for(plan.week_start),
        "changes": plan.changes.select_related("by", "customer")[:50],
        "ad_hoc": plan.changes_are_ad_hoc,
        "policy": policy,
        "changed": _changed_pk(request),
    }
    return render(request, "visits/plan.html", context)


def _changed_pk(request) -> int | None:
    raw = request.GET.get("changed", "")
    return int(raw) if raw.isdigit() else None


@login_required
def plan_export(request, pk):
    """The plan as xlsx; logged like every export of retailer personal data (it lists phones)."""
    plan = access.get_plan_for_user(request.user, pk)
    output = io.BytesIO()
    count = export_plan_xlsx(output, plan, plan_days(plan))
    PersonalDataExport.objects.create(user=request.user, kind="visit_plan", filters={"plan": plan.pk},
                                      row_count=count, channel="web")
    response = HttpResponse(output.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = (
        f'attachment; filename="visit-plan-{plan.manager.username}-{plan.week_start:%Y%m%d}.xlsx"')
    return response


# --- edits -------------------------------------------------------------------------------------------


@login_required
def visit_actions(request, pk):
    """The edit forms of one visit: loaded into the plan page when opened (htmx), or a page of their own."""
    visit = access.get_visit_for_user(request.user, pk, for_change=True)
    plan = visit.plan
    if not access.can_edit_now(request.user, plan):
        raise PermissionDenied
    policy = PlanningPolicy.for_company(plan.manager.company)
    context = {"v": visit, "plan": plan, "ad_hoc": plan.changes_are_ad_hoc,
               "day_choices": [(day.isoformat(), _day_label(day)) for day in week_days(plan, policy)]}
    template = "visits/_visit_actions.html" if request.htmx else "visits/visit_edit.html"
    return render(request, template, context)


def _back(plan, anchor=""):
    return redirect(reverse("visits:plan", args=[plan.pk]) + (f"#{anchor}" if anchor else ""))


def _post_day(request) -> date | None:
    try:
        return date.fromisoformat(request.POST.get("day", ""))
    except ValueError:
        return None


def _edit_args(request) -> dict:
    return {"by": request.user, "reason": request.POST.get("reason", "")[:200],
            "expected_version": _version(request)}


def _confirmed(request) -> bool:
    return request.POST.get("confirm") == "1"


def _where_now(visit) -> dict:
    """Where an edited visit is now, in words: its day, its stop and when that day ends."""
    plan = visit.plan
    policy = PlanningPolicy.for_company(plan.manager.company)
    visits = list(plan.visits.filter(day=visit.day).order_by("sequence", "pk")
                  .select_related("customer__customer_class__service_standard"))
    route = day_route(visit.day, visits, depot_of_plan(plan), policy)
    return {"store": visit.customer.name, "day": _day_label(visit.day), "stop": visit.sequence,
            "end": route.finish or "—"}


def _changed(plan, visit):
    """Back to the plan, scrolled to the changed visit, which is highlighted."""
    return redirect(f"{reverse('visits:plan', args=[plan.pk])}?changed={visit.pk}#visit-{visit.pk}")


def _version(request):
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() else None


@login_required
@require_POST
def visit_move(request, pk):
    visit = access.get_visit_for_user(request.user, pk, for_change=True)
    day = _post_day(request)
    if day is None:
        messages.error(request, _("Choose a day."))
    else:
        with refusal_as_message(request):
            moved = actions.move_visit(visit, day, confirm=_confirmed(request), **_edit_args(request))
            messages.success(request, _("Moved %(store)s to %(day)s, stop %(stop)s; the day now ends %(end)s.")
                             % _where_now(moved))
            return _changed(visit.plan, moved)
    return _back(visit.plan, f"visit-{visit.pk}")


@login_required
@require_POST
def visit_reorder(request, pk):
    visit = access.get_visit_for_user(request.user, pk, for_change=True)
    step = {"up": -1, "down": 1}.get(request.POST.get("direction"))
    if step is None:
        messages.error(request, _("Unknown direction."))
    else:
        with refusal_as_message(request):
            moved = actions.reorder_visit(visit, visit.sequence + step, **_edit_args(request))
            messages.success(request, _("%(store)s is now stop %(stop)s of %(day)s; the day ends %(end)s.")
                             % _where_now(moved))
            return _changed(visit.plan, moved)
    return _back(visit.plan, f"visit-{visit.pk}")


@login_required
@require_POST
def visit_remove(request, pk):
    visit = access.get_visit_for_user(request.user, pk, for_change=True)
    with refusal_as_message(request):
        actions.remove_visit(visit, **_edit_args(request))
        messages.success(request, _("%(store)s removed from the plan.") % {"store": visit.customer.name})
    return _back(visit.plan, f"day-{visit.day}")


class ProblemsForm(forms.Form):
    problems = forms.CharField(max_length=1000, required=False, widget=forms.Textarea)


@login_required
@require_POST
def visit_problems(request, pk):
    visit = access.get_visit_for_user(request.user, pk, for_change=True)
    form = ProblemsForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Key problems: at most 1000 characters."))
    else:
        with refusal_as_message(request):
            actions.set_problems(visit, form.cleaned_data["problems"], by=request.user,
                                 expected_version=_version(request))
            messages.success(request, _("Saved."))
    return _back(visit.plan, f"visit-{visit.pk}")


@login_required
@require_POST
def plan_add(request, pk):
    plan = access.get_plan_for_user(request.user, pk, for_change=True)
    code = request.POST.get("customer_code", "").strip()
    customer = access.customer_to_add(request.user, plan, code) if code else _only_match(request, plan)
    day = _post_day(request)
    if customer is None:
        messages.error(request, _("Choose one of your stores from the search results."))
    elif day is None:
        messages.error(request, _("Choose a day."))
    else:
        with refusal_as_message(request):
            added = actions.add_visit(plan, customer, day, problems=request.POST.get("problems", ""),
                                      confirm=_confirmed(request), **_edit_args(request))
            messages.success(request, _("Added %(store)s on %(day)s, stop %(stop)s; the day now ends %(end)s.")
                             % _where_now(added))
            return _changed(plan, added)
    return _back(plan, "add-visit")


def _plan_stores(request, plan):
    """The plan manager's active stores the user sees: those a visit can be added for."""
    return (Customer.objects.visible_to(request.user)
            .filter(manager_id=plan.manager_id, status=CustomerStatus.ACTIVE))


def _only_match(request, plan):
    """Without JS the search text comes with the form: it names the store when exactly one matches."""
    return only_match(_plan_stores(request, plan), request.POST.get("q", ""))


@login_required
def plan_store_search(request, pk):
    """Stores to add to the plan, searched by name, code or address (the add form's htmx results)."""
    plan = access.get_plan_for_user(request.user, pk, for_change=True)
    query, stores = matching_stores(_plan_stores(request, plan), request.GET.get("q", ""))
    return render(request, "visits/_store_matches.html", {"q": query, "stores": stores})


@login_required
@require_POST
def plan_reoptimise(request, pk):
    plan = access.get_plan_for_user(request.user, pk, for_change=True)
    with refusal_as_message(request):
        actions.reoptimise(plan, **_edit_args(request))
        messages.success(request, _("Routes re-optimised."))
    return _back(plan)


@login_required
@require_POST
def plan_regenerate(request, pk):
    plan = access.get_plan_for_user(request.user, pk, for_change=True)
    if plan.status not in (WeekPlan.Status.DRAFT, WeekPlan.Status.RETURNED):
        messages.error(request, _("Only a draft or returned plan can be generated again."))
        return _back(plan)
    start_manager_job(plan.manager, plan.week_start)
    messages.info(request, _("Planning your week… the plan appears here in about %(seconds)s seconds.")
                  % {"seconds": settings.VISIT_PLAN_SECONDS})
    return redirect(f"{reverse('visits:index')}?week={plan.week_start}")


@login_required
@require_POST
def plan_submit(request, pk):
    plan = access.get_plan_for_user(request.user, pk, for_change=True)
    with refusal_as_message(request):
        actions.submit_plan(plan, by=request.user, expected_version=_version(request))
        messages.success(request, _("Submitted to your supervisor."))
    return _back(plan)


@login_required
@require_POST
def plan_decide(request, pk):
    plan = access.get_plan_to_decide(request.user, pk)
    approve = request.POST.get("decision") == "approve"
    with refusal_as_message(request):
        actions.decide_plan(plan, by=request.user, approve=approve, comment=request.POST.get("comment", "")[:500])
        messages.success(request, _("Plan approved.") if approve else _("Plan returned to the manager."))
    return _back(plan)


# --- coordination ------------------------------------------------------------------------------------


def _coordination(request, week):
    visits = PlannedVisit.objects.to_coordinate(request.user).filter(
        day__gte=week, day__lt=week + timedelta(days=7)
    ).select_related("customer", "plan__manager").order_by("day", "plan__manager__username", "sequence")
    code = request.GET.get("q", "").strip()
    if code:
        visits = visits.filter(customer__search_text__contains=code.lower())
    mine = {j.visit_id: j for j in JoinRequest.objects.filter(requester=request.user, visit__in=visits)}
    rows = [{"visit": v, "join": mine.get(v.pk)} for v in visits[:300]]
    context = {"week": week, "previous_week": week - timedelta(days=7), "next_week": week + timedelta(days=7),
               "rows": rows, "q": code}
    return render(request, "visits/coordination.html", context)


@login_required
@require_POST
def visit_join(request, pk):
    visit = access.get_coordination_visit(request.user, pk)
    with refusal_as_message(request):
        actions.request_join(visit, by=request.user, note=request.POST.get("note", ""))
        messages.success(request, _("Request sent to %(manager)s.") % {"manager": visit.plan.manager})
    return redirect(f"{reverse('visits:index')}?week={visit.plan.week_start}")


@login_required
@require_POST
def join_decide(request, pk):
    join = access.get_join_request_to_decide(request.user, pk)
    actions.decide_join(join, accept=request.POST.get("decision") == "accept")
    return _back(join.visit.plan, f"visit-{join.visit_id}")
