"""The supervisor's page of tier jumps waiting for review (档位跳变审核): list, approve, reject.

Kept apart from `sales/views.py` (the dashboards') so the two grow without touching each other."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fieldcrm.customers.forms import DecisionForm
from fieldcrm.pages import refusal_as_message
from fieldcrm.sales import tiers
from fieldcrm.sales.models import TierReview


def _reviewer(user) -> bool:
    return user.is_supervisor or user.is_company_admin


@login_required
def tier_reviews(request):
    """Supervisors (their team's customers) and admins; a manager or department staff get 403."""
    if not _reviewer(request.user):
        raise PermissionDenied
    status = request.GET.get("status", TierReview.Status.PENDING)
    queryset = tiers.reviews_visible_to(request.user).select_related("customer__manager", "decided_by")
    if status in TierReview.Status.values:
        queryset = queryset.filter(status=status)
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    return render(request, "sales/tiers/reviews.html", {
        "page": page, "status": status, "statuses": TierReview.Status.choices,
    })


@login_required
@require_POST
def tier_review_decide(request, pk):
    review = tiers.get_review_to_decide(request.user, pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("tiers:reviews")
    with refusal_as_message(request):
        if form.cleaned_data["decision"] == "approve":
            tiers.approve_tier_review(review, by=request.user, note=form.cleaned_data["note"])
            messages.success(request, _("Tier of %(customer)s changed to %(tier)s.")
                             % {"customer": review.customer.name, "tier": review.new_tier})
        else:
            tiers.reject_tier_review(review, by=request.user, note=form.cleaned_data["note"])
            messages.success(request, _("Tier of %(customer)s stays %(tier)s.")
                             % {"customer": review.customer.name, "tier": review.old_tier})
    return redirect("tiers:reviews")
