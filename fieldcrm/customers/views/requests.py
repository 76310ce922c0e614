"""Change requests: a department's inbox, a manager's list of outcomes, deciding and withdrawing."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fieldcrm.customers import access, actions
from fieldcrm.customers.fields import PROFILE_FIELDS, display_value
from fieldcrm.customers.forms import DecisionForm
from fieldcrm.customers.models import ChangeRequest
from fieldcrm.pages import refusal_as_message


@login_required
def change_request_list(request):
    status = request.GET.get("status", ChangeRequest.Status.PENDING)
    queryset = ChangeRequest.objects.visible_to(request.user).select_related(
        "customer", "department", "proposed_by", "decided_by"
    )
    if status in ChangeRequest.Status.values:
        queryset = queryset.filter(status=status)
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    rows = [
        {
            "request": cr,
            "label": PROFILE_FIELDS[cr.field].label if cr.field in PROFILE_FIELDS else cr.field,
            "old": display_value(cr.field, cr.old_value),
            "new": display_value(cr.field, cr.new_value),
            "can_decide": access.can_decide_change_request(request.user, cr),
        }
        for cr in page
    ]
    context = {"page": page, "rows": rows, "status": status, "statuses": ChangeRequest.Status.choices}
    return render(request, "customers/change_requests.html", context)


@login_required
@require_POST
def change_request_decide(request, pk):
    change_request = access.get_change_request_to_decide(request.user, pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("customers:requests")
    with refusal_as_message(request):
        if form.cleaned_data["decision"] == "approve":
            actions.approve_change_request(change_request, by=request.user, note=form.cleaned_data["note"])
            messages.success(request, _("Request #%(id)s approved; the profile is updated.") % {"id": pk})
        else:
            actions.reject_change_request(change_request, by=request.user, note=form.cleaned_data["note"])
            messages.success(request, _("Request #%(id)s rejected.") % {"id": pk})
    return redirect("customers:requests")


@login_required
@require_POST
def change_request_withdraw(request, pk):
    change_request = access.get_change_request_for_user(request.user, pk)
    with refusal_as_message(request):
        actions.withdraw_change_request(change_request, by=request.user)
        messages.success(request, _("Request #%(id)s withdrawn.") % {"id": pk})
    return redirect("customers:detail", code=change_request.customer.customer_code)
