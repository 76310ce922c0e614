"""Visits done at the store, as managers and supervisors read them: one visit's page, the visits of a week
(a manager's own; a supervisor's team, filtered by manager and kind), a store's last visits on its customer
page, and plan versus actual per manager over the last weeks. Read-only: visits are recorded by the phone
(visits/fieldwork.py)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import DurationField, ExpressionWrapper, F
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from fieldcrm.customers.access import get_customer_for_user
from fieldcrm.customers.fields import PROFILE_FIELDS, display_value
from fieldcrm.lib.periods import Period, local_day, recent_weeks, week_start
from fieldcrm.org.models import User
from fieldcrm.photos.models import Photo
from fieldcrm.photos.registry import codes as photo_owner_codes
from fieldcrm.visits import access, fieldwork
from fieldcrm.visits.actuals import total, week_actuals
from fieldcrm.visits.models import Visit
from fieldcrm.visits.views.plans import FIRST_WEEK, WeekField

PER_PAGE = 50
STORE_LAST = 10  # visits on a customer's page
ACTUAL_WEEKS = 8
PHOTO_OWNER = "visit"  # the photos app's owner_type for a visit, once visits registers it
ROW_RELATED = ("customer", "manager", "planned_visit")


def reads_visits(user) -> bool:
    """Managers read their own visits, supervisors their area's, admins the company's; staff none."""
    return user.is_manager or user.oversees_anyone


def _with_stay(visits):
    """Time at the store (check-out minus check-in), computed by the database for a list."""
    return visits.annotate(stay=ExpressionWrapper(F("checked_out_at") - F("checked_in_at"),
                                                  output_field=DurationField()))


# --- one visit ---------------------------------------------------------------------------------------


def _observations(visit) -> list[dict]:
    rows = []
    for o in visit.observations.select_related("sku"):
        guide = o.sku.retail_price
        rows.append({"o": o, "guide": guide,
                     "above_guide": o.retail_price is not None and guide is not None and o.retail_price > guide})
    return rows


def _photos(visit) -> list:
    """The visit's photos, served by the photos app's download (which checks access and strips EXIF) —
    none until visits is registered as a photo owner."""
    if PHOTO_OWNER not in photo_owner_codes():
        return []
    return list(Photo.objects.of(visit))


def _profit(visit) -> dict | None:
    """The store's profit situation as recorded at the visit, when the visit got to it."""
    if not visit.profit_situation and visit.monthly_sales_cartons is None:
        return None
    return {"situation": visit.get_profit_situation_display(), "sales": visit.monthly_sales_cartons}


def _profile_changes(visit) -> list[dict]:
    """Profile changes noticed at the store, each with the change request it became (fieldwork's rule, as the
    API reads it): saved at once, a request with its status, or a request not arrived yet."""
    rows = []
    for change in fieldwork.noticed_changes(visit):
        spec = PROFILE_FIELDS.get(change.field)
        rows.append({"label": spec.label if spec else change.field,
                     "value": display_value(change.field, change.new_value) if spec else change.new_value,
                     "applied": change.applied, "request": change.change_request})
    return rows


@login_required
def record_detail(request, pk):
    visit = access.get_recorded_visit_for_user(request.user, pk)
    stay = visit.checked_out_at - visit.checked_in_at if visit.checked_out_at else None
    context = {
        "visit": visit,
        "week": week_start(local_day(visit.checked_in_at)),
        "planned": visit.planned_visit,
        "stay": stay,
        "answers": list(visit.checklist_answers.all()),
        "observations": _observations(visit),
        "opinions": list(visit.opinions.all()),
        "photos": _photos(visit),
        "profit": _profit(visit),
        "profile_changes": _profile_changes(visit),
    }
    return render(request, "visits/record.html", context)


# --- lists -------------------------------------------------------------------------------------------


class RecordFilters(forms.Form):
    KINDS = [("", gettext_lazy("All visits")), ("on_site", gettext_lazy("On site")),
             ("off_site", gettext_lazy("Off-site")), ("ad_hoc", gettext_lazy("Unplanned")),
             ("planned", gettext_lazy("Planned"))]

    week = WeekField(label=gettext_lazy("Week"), required=False)
    manager = forms.ModelChoiceField(label=gettext_lazy("Manager"), queryset=User.objects.none(), required=False,
                                     empty_label=gettext_lazy("All managers"))
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=KINDS, required=False)
    customer = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.managers = User.objects.none()
        if user.is_manager:
            del self.fields["manager"]
        elif user.company_id:
            self.managers = User.objects.team_of(user).order_by("username")
            self.fields["manager"].queryset = self.managers  # type: ignore[attr-defined]


KIND_FILTERS = {"on_site": {"on_site": True}, "off_site": {"on_site": False}, "ad_hoc": {"ad_hoc": True},
                "planned": {"ad_hoc": False}}


def _query(data: dict) -> str:
    return urlencode({k: v for k, v in data.items() if v not in (None, "")})


@login_required
def record_list(request):
    """The visits of a week: a manager's own, or a supervisor's team (admins: the company), latest first."""
    user = request.user
    if not reads_visits(user):
        raise PermissionDenied
    form = RecordFilters(request.GET, user=user)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        form = RecordFilters({}, user=user)
        form.is_valid()
    data = form.cleaned_data
    customer = None
    if data["customer"]:
        customer = get_customer_for_user(user, data["customer"])
    # A store's visits over all weeks, else one week: this one unless another is asked.
    this_week = week_start(timezone.localdate())
    week = data["week"] or (None if customer else this_week)
    visits = Visit.objects.visible_to(user).select_related(*ROW_RELATED)
    if week is not None:
        visits = visits.filter(Period.week(week).q("checked_in_at"))
    if customer is not None:
        visits = visits.filter(customer=customer)
    if data.get("manager"):
        visits = visits.filter(manager=data["manager"])
    visits = visits.filter(**KIND_FILTERS.get(data["kind"], {}))
    page = Paginator(_with_stay(visits), PER_PAGE).get_page(request.GET.get("page"))
    filters = {"manager": data["manager"].pk if data.get("manager") else "", "kind": data["kind"],
               "customer": customer.customer_code if customer else ""}
    context = {
        "form": form, "page": page, "week": week, "customer": customer, "team": not user.is_manager,
        "show_store": customer is None,
        # Listed once here: iterating the field's choices in the template would count them first.
        "managers": list(form.managers),
        "query": _query({**filters, "week": week}),
        "previous": _query({**filters, "week": week - timedelta(days=7)}) if week and week > FIRST_WEEK else None,
        "next": _query({**filters, "week": week + timedelta(days=7)}) if week and week < this_week else None,
        "all_weeks": _query(filters) if customer and week else None,
    }
    return render(request, "visits/records.html", context)


@login_required
def customer_visits(request, code):
    """A store's last visits, loaded into its customer page; without htmx, the visit list of the store."""
    customer = get_customer_for_user(request.user, code)
    if not request.htmx:
        return redirect(f"{reverse('visits:records')}?{_query({'customer': customer.customer_code})}")
    if not reads_visits(request.user):
        return HttpResponse("")  # staff read the store, not its visits: the card goes away
    visits = _with_stay(Visit.objects.visible_to(request.user).most_recent().filter(customer=customer)
                        .select_related(*ROW_RELATED))
    rows = list(visits[:STORE_LAST + 1])
    return render(request, "visits/_customer_visits.html",
                  {"customer": customer, "visits": rows[:STORE_LAST], "more": len(rows) > STORE_LAST})


# --- plan versus actual ------------------------------------------------------------------------------


@login_required
def plan_actuals(request):
    """Per manager of the team (admins: every area) and each of the last weeks: planned visits due, done on
    site, done off-site, missed, unplanned visits and % done; each cell opens that week's plan."""
    user = request.user
    if not user.oversees_anyone:
        raise PermissionDenied
    today = timezone.localdate()
    weeks = recent_weeks(today, ACTUAL_WEEKS)
    managers = list(User.objects.team_of(user).active().select_related("area").order_by("area__name", "username"))
    cells = week_actuals([m.pk for m in managers], weeks, today)
    weeks.reverse()  # the current week first: on a phone it is the one in view
    rows = []
    for manager in managers:
        mine = [cells[(manager.pk, week)] for week in weeks]
        rows.append({"manager": manager, "cells": mine, "total": total(mine)})
    columns = [{"week": week, "current": week == weeks[0],
                "total": total([cells[(m.pk, week)] for m in managers])} for week in weeks]
    context = {"rows": rows, "columns": columns, "today": today, "by_area": user.is_company_admin,
               "recent": ACTUAL_WEEKS // 2, "all": total([row["total"] for row in rows])}
    return render(request, "visits/actuals.html", context)
