"""Customer list, customer page, proposing changes, confirming fields, exporting the list."""

import io
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fieldcrm.customers import access, actions
from fieldcrm.customers.exporting import export_customers_xlsx
from fieldcrm.customers.fields import FIELD_HINTS, PROFILE_FIELDS, SOURCE_LABELS, display_value
from fieldcrm.customers.forms import ProposeChangeForm, VerifyForm
from fieldcrm.customers.models import VOLATILE_FIELDS, Customer
from fieldcrm.customers.search import CappedPaginator, CustomerFilterForm, apply_filters
from fieldcrm.org.models import PersonalDataExport
from fieldcrm.pages import refusal_as_message


def filtered_customers(request):
    form = CustomerFilterForm(request.GET or None, user=request.user)
    queryset = Customer.objects.visible_to(request.user)
    if form.is_bound and form.is_valid():
        queryset = apply_filters(queryset, form.cleaned_data)
    return form, queryset


@login_required
def customer_list(request):
    form, queryset = filtered_customers(request)
    queryset = queryset.select_related("manager", "territory", "customer_class").order_by("customer_code")
    page = CappedPaginator(queryset, settings.CUSTOMERS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "can_export": access.can_export_customers(request.user),
    }
    template = "customers/_customer_rows.html" if request.htmx else "customers/customer_list.html"
    return render(request, template, context)


@login_required
def customer_export(request):
    if not access.can_export_customers(request.user):
        raise PermissionDenied
    form, queryset = filtered_customers(request)
    if form.is_bound and not form.is_valid():
        messages.error(request, _("Fix the filters before exporting."))
        return redirect("customers:list")
    workbook = io.BytesIO()
    count = export_customers_xlsx(workbook, queryset)
    response = HttpResponse(
        workbook.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="customers-{stamp}.xlsx"'
    PersonalDataExport.objects.create(
        user=request.user, kind="customers", filters=form.active_filters(), row_count=count, channel="web"
    )
    return response


def history_entries(customer, limit=50):
    """The profile's history, newest first, each with the fields it changed."""
    records = list(customer.history.select_related("history_user").order_by("history_date", "history_id"))
    entries = []
    previous = None
    for record in records:
        changes = []
        if previous is not None:
            delta = record.diff_against(previous, excluded_fields=["version", "created_at"])
            changes = [
                {"field": Customer._meta.get_field(c.field).verbose_name, "old": c.old, "new": c.new}
                for c in delta.changes
            ]
        source = record.history_change_reason or ""
        entries.append({"record": record, "changes": changes, "source": SOURCE_LABELS.get(source, source)})
        previous = record
    return list(reversed(entries))[:limit]


@login_required
def customer_detail(request, code):
    customer = access.get_customer_for_user(request.user, code)
    can_edit = access.can_edit_customer(request.user, customer)
    verification = [
        {
            "field": name,
            "label": Customer._meta.get_field(name).verbose_name,
            "value": getattr(customer, f"get_{name}_display", lambda n=name: getattr(customer, n))(),
            "at": getattr(customer, f"{name}_verified_at"),
            "by": getattr(customer, f"{name}_verified_by"),
            "stale": customer.is_stale(name),
        }
        for name in VOLATILE_FIELDS
    ]
    change_requests = customer.change_requests.select_related("department", "proposed_by", "decided_by")[:50]
    context = {
        "customer": customer,
        "can_edit": can_edit,
        "verification": verification,
        "change_requests": [
            (cr, PROFILE_FIELDS[cr.field].label, display_value(cr.field, cr.old_value),
             display_value(cr.field, cr.new_value))
            for cr in change_requests
        ],
        # A fresh id per rendered form: a double-click or a resent form does not file the request twice.
        "propose_form": ProposeChangeForm(initial={"version": customer.version, "client_uuid": uuid.uuid4()}),
        "history": history_entries(customer),
        "classification_changes": [
            (change, SOURCE_LABELS.get(change.source, change.source))
            for change in customer.classification_changes.order_by("-changed_at")[:50]
        ],
        "field_hints": FIELD_HINTS,
    }
    return render(request, "customers/customer_detail.html", context)


@login_required
@require_POST
def customer_propose(request, code):
    customer = access.get_customer_for_user(request.user, code, for_change=True)
    form = ProposeChangeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The change could not be sent: %(errors)s") % {"errors": form.errors.as_text()})
        return redirect("customers:detail", code=code)
    data = form.cleaned_data
    with refusal_as_message(request):
        change_request = actions.propose_change(
            customer,
            data["field"],
            data["new_value"],
            by=request.user,
            reason=data["reason"],
            client_uuid=data.get("client_uuid"),
            expected_version=data["version"],
        )
        if change_request is None:
            messages.success(request, _("Saved."))
        else:
            messages.success(
                request,
                _("Sent to %(department)s for review (request #%(id)s).")
                % {"department": change_request.department, "id": change_request.pk},
            )
    return redirect("customers:detail", code=code)


@login_required
@require_POST
def customer_verify(request, code):
    customer = access.get_customer_for_user(request.user, code, for_change=True)
    form = VerifyForm(request.POST)
    if form.is_valid():
        actions.verify_fields(customer, form.cleaned_data["fields"], by=request.user)
        messages.success(request, _("Marked as verified today."))
    else:
        messages.error(request, _("Choose the fields you checked."))
    return redirect("customers:detail", code=code)


