"""Needs pages: the needs section of a customer page (loaded into it by htmx, or a page of its own), the
list of needs across the user's customers, and the raise / close forms. Plain POST forms that come back
where they were sent from, so they work on any phone browser; every write goes through followup/actions.py."""

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
from fieldcrm.followup.forms import CloseDemandForm, DemandFilterForm, RaiseDemandForm
from fieldcrm.followup.models import Demand
from fieldcrm.pages import refusal_as_message, safe_next

RECENTLY_CLOSED = 10
PER_PAGE = 50
ROW_RELATED = ("customer__manager", "raised_by", "closed_by")


def _rows(user, demands, now) -> list[dict]:
    return [
        {"demand": d, "overdue": d.is_overdue(now), "near_due": d.is_near_due(now),
         "can_act": d.is_open and can_edit_customer(user, d.customer)}
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
        "close_form": CloseDemandForm(),
        "next": f"{reverse('followup:demand_list')}?status={status}",
    }
    return render(request, "followup/demands.html", context)


@login_required
def customer_demands(request, code):
    """One customer's open and recently closed needs, with the forms to raise and close them."""
    customer = get_customer_for_user(request.user, code)
    now = timezone.now()
    demands = customer.demands.select_related(*ROW_RELATED)
    closed = demands.filter(status=Demand.Status.CLOSED).order_by("-closed_at", "-pk")[:RECENTLY_CLOSED]
    context = {
        "customer": customer,
        "open_rows": _rows(request.user, demands.filter(status=Demand.Status.OPEN), now),
        "closed_rows": _rows(request.user, closed, now),
        "can_edit": can_edit_customer(request.user, customer),
        "raise_form": RaiseDemandForm(initial={"client_uuid": uuid.uuid4()}),
        "close_form": CloseDemandForm(),
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
@require_POST
def demand_close(request, pk):
    demand = get_demand_for_user(request.user, pk, for_change=True)
    form = CloseDemandForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The need was not closed: %(errors)s") % {"errors": _form_errors(form)})
    else:
        with refusal_as_message(request):
            actions.close_demand(demand, by=request.user, resolution=form.cleaned_data["resolution"],
                                 feedback_given=form.cleaned_data["feedback_given"])
            messages.success(request, _("Need closed."))
    return redirect(safe_next(request, reverse("followup:demand_list")))
