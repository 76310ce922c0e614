"""Needs pages: the needs section of a customer page (loaded into it by htmx, or a page of its own), the
list of needs across the user's customers, the inbox (a department's needs to act on; a manager's needs to
settle or feed back), one need's page with its timeline and the form for each next step the user may take.
Plain POST forms that come back where they were sent from, so they work on any phone browser; every write
goes through followup/actions.py."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fieldcrm.customers.access import can_edit_customer, get_customer_for_user
from fieldcrm.followup import actions
from fieldcrm.followup.access import get_demand_for_user
from fieldcrm.followup.forms import (
    DemandFilterForm,
    FeedbackForm,
    HandBackDemandForm,
    RaiseDemandForm,
    ResolveDemandForm,
)
from fieldcrm.followup.models import Demand
from fieldcrm.pages import refusal_as_message, safe_next

RECENTLY_CLOSED = 10
PER_PAGE = 50
ROW_RELATED = ("customer__manager", "raised_by", "closed_by", "department")


def _rows(user, demands, now) -> list[dict]:
    return [
        {"demand": d, "overdue": d.is_overdue(now), "near_due": d.is_near_due(now),
         "can_act": d.is_open and actions.may_act(user, d),
         # The manager tells the retailer from the row itself: on a phone, one form rather than two pages.
         "can_feedback": d.status == Demand.Status.RESOLVED and actions.is_its_manager(user, d),
         "client_uuid": uuid.uuid4()}
        for d in demands
    ]


@login_required
def demand_list(request):
    """Needs across the customers the user may see: open ones by deadline (overdue first), or closed ones."""
    form = DemandFilterForm(request.GET)
    status = form.cleaned_data["status"] if form.is_valid() and form.cleaned_data["status"] else Demand.Status.OPEN
    now = timezone.now()
    visible = Demand.objects.visible_to(request.user)
    demands = visible.filter(status=status).select_related(*ROW_RELATED)
    if status == Demand.Status.CLOSED:
        demands = demands.order_by("-closed_at", "-pk")
    page = Paginator(demands, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "rows": _rows(request.user, page, now),
        "status": status,
        "statuses": Demand.Status.choices,
        "overdue_count": visible.overdue(now).count(),
        "next": f"{reverse('followup:demand_list')}?status={status}",
    }
    return render(request, "followup/demands.html", context)


@login_required
def customer_demands(request, code):
    """One customer's open and recently closed needs, with the forms to raise and close them."""
    customer = get_customer_for_user(request.user, code)
    now = timezone.now()
    demands = Demand.objects.visible_to(request.user).filter(customer=customer).select_related(*ROW_RELATED)
    closed = demands.filter(status=Demand.Status.CLOSED).order_by("-closed_at", "-pk")[:RECENTLY_CLOSED]
    context = {
        "customer": customer,
        "open_rows": _rows(request.user, demands.open(), now),
        "closed_rows": _rows(request.user, closed, now),
        "can_edit": can_edit_customer(request.user, customer),
        "raise_form": RaiseDemandForm(initial={"client_uuid": uuid.uuid4()}),
        "next": reverse("customers:detail", args=[customer.customer_code]),
    }
    template = "followup/_customer_demands.html" if request.htmx else "followup/customer_demands.html"
    return render(request, template, context)


def _form_errors(form) -> str:
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


@login_required
@require_POST
def demand_raise(request, code):
    customer = get_customer_for_user(request.user, code, for_change=True)
    form = RaiseDemandForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The need was not recorded: %(errors)s") % {"errors": _form_errors(form)})
    else:
        data = form.cleaned_data
        with refusal_as_message(request):
            demand = actions.raise_demand(customer, kind=data["kind"], description=data["description"],
                                          by=request.user, client_uuid=data["client_uuid"])
            due = timezone.localtime(demand.due_at)
            messages.success(request, _("Need recorded; answer it by %(due)s.") % {"due": f"{due:%Y-%m-%d %H:%M}"})
    return redirect(reverse("customers:detail", args=[customer.customer_code]) + "#demands")


@login_required
def demand_inbox(request):
    """What the user has to act on: department staff and monopoly officers, their department's needs not
    yet resolved; a manager, the needs handed back to settle and the resolved ones to feed back."""
    user = request.user
    visible = Demand.objects.visible_to(user).select_related(*ROW_RELATED)
    if user.is_department_staff:
        demands = visible.filter(status__in=(Demand.Status.OPEN, Demand.Status.ACCEPTED))
    else:
        demands = visible.filter(status__in=(Demand.Status.HANDED_BACK, Demand.Status.RESOLVED))
        if not user.is_company_admin:
            demands = demands.filter(customer__manager=user)
    page = Paginator(demands.order_by("due_at", "pk"), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "followup/inbox.html", {
        "page": page, "rows": _rows(user, page, timezone.now()), "department": user.department,
        "next": reverse("followup:demand_inbox"),
        "awaiting_feedback": None if user.is_department_staff else demands.filter(
            status=Demand.Status.RESOLVED).count(),
        "channels": Demand.Channel.choices,
    })


@login_required
def demand_detail(request, pk):
    """One need: where it stands, its timeline, and the form for each step the user may take now."""
    user = request.user
    demand = get_demand_for_user(user, pk)
    status = Demand.Status
    in_department = actions.in_department(user, demand)
    manager = actions.is_its_manager(user, demand)
    context = {
        "demand": demand,
        "steps": demand.steps.select_related("by"),
        "overdue": demand.is_overdue(),
        "can_accept": in_department and demand.status == status.OPEN,
        "can_hand_back": in_department and demand.status in (status.OPEN, status.ACCEPTED),
        "can_resolve": (in_department and demand.status in (status.OPEN, status.ACCEPTED))
        or (manager and demand.status in Demand.UNRESOLVED),
        "can_feedback": manager and demand.status == status.RESOLVED,
        "resolve_form": ResolveDemandForm(),
        "hand_back_form": HandBackDemandForm(),
        "feedback_form": FeedbackForm(initial={"client_uuid": uuid.uuid4(), "channel": Demand.Channel.VISIT}),
    }
    return render(request, "followup/demand_detail.html", context)


def _step_view(form_class, do, done_message):
    """A POST view for one step: the form (if any), the action, a message, back to the need's page."""

    @login_required
    @require_POST
    def view(request, pk):
        demand = get_demand_for_user(request.user, pk, for_change=True)
        form = form_class(request.POST) if form_class else None
        if form is not None and not form.is_valid():
            messages.error(request, _("Nothing was recorded: %(errors)s") % {"errors": _form_errors(form)})
        else:
            with refusal_as_message(request):
                do(demand, request.user, form.cleaned_data if form is not None else {})
                messages.success(request, done_message())
        return redirect(safe_next(request, reverse("followup:demand_detail", args=[demand.pk])))

    return view


demand_accept = _step_view(None, lambda d, by, data: actions.accept_demand(d, by=by), lambda: _("Need accepted."))
demand_resolve = _step_view(
    ResolveDemandForm, lambda d, by, data: actions.resolve_demand(d, by=by, resolution=data["resolution"]),
    lambda: _("Need resolved; the manager will tell the retailer."))
demand_hand_back = _step_view(
    HandBackDemandForm, lambda d, by, data: actions.hand_back_demand(d, by=by, reason=data["reason"]),
    lambda: _("Need handed back to the manager."))
demand_feedback = _step_view(
    FeedbackForm,
    lambda d, by, data: actions.record_feedback(d, by=by, channel=data["channel"],
                                                retailer_response=data["retailer_response"],
                                                satisfied=data["satisfied"], client_uuid=data["client_uuid"]),
    lambda: _("Feedback recorded; the need is closed."))
demand_close = _step_view(None, lambda d, by, data: actions.close_demand(d, by=by), lambda: _("Need closed."))
