"""Market information pages: the reporter's form and "my reports", the monopoly officer's queue of
violations with the outcome form, marketing's queue of business information with its note, the
supervisor's counts and the monthly summary per area (page and xlsx). Plain POST forms; every write goes
through monopoly/actions.py (photos through photos/actions.py); every opening of a report is logged."""

import io
import uuid
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fieldcrm.customers.models import Customer
from fieldcrm.lib.ids import valid_code
from fieldcrm.monopoly import actions
from fieldcrm.monopoly.access import (
    can_report,
    get_info_to_acknowledge,
    get_report_for_user,
    get_report_to_decide,
    is_marketing_for,
    is_officer,
)
from fieldcrm.monopoly.evidence import OWNER_TYPE
from fieldcrm.monopoly.exporting import export_summary_xlsx
from fieldcrm.monopoly.forms import AcknowledgeForm, CountsForm, OutcomeForm, ReportForm, SummaryForm
from fieldcrm.monopoly.models import MarketReport, is_marketing_staff
from fieldcrm.monopoly.models import report_counts as counts_per_reporter
from fieldcrm.monopoly.summary import can_summarise, get_area_for_summary, month_summary, summary_areas
from fieldcrm.pages import refusal_as_message
from fieldcrm.photos import actions as photo_actions
from fieldcrm.photos.models import Photo
from fieldcrm.visits.store_search import matching_stores, only_match

PER_PAGE = 50


def _is_officer(user) -> bool:
    return user.is_monopoly_officer


def _statuses(officer: bool, marketing: bool) -> list[tuple[str, Any]]:
    """The status tabs a reader needs: the officer's verdicts, marketing's steps, or every status."""
    steps = MarketReport.OUTCOMES if officer else MarketReport.INFO_STEPS if marketing else None
    if steps is None:
        return MarketReport.Status.choices
    return [(s.value, s.label) for s in (MarketReport.Status.SUBMITTED, *steps)]


@login_required
def report_list(request):
    """An officer's queue of violations or marketing's queue of business information (by status, submitted
    first), else what the user may read — their own reports, and a supervisor's or admin's team's business
    information — with the outcomes."""
    user = request.user
    reports = MarketReport.objects.visible_to(user).select_related("customer", "reporter")
    officer = _is_officer(user)
    marketing = is_marketing_staff(user)
    status = request.GET.get("status") or (MarketReport.Status.SUBMITTED if officer or marketing else "all")
    if status in MarketReport.Status.values:
        reports = reports.filter(status=status)
    page = Paginator(reports, PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "officer": officer, "marketing": marketing, "status": status,
               "statuses": _statuses(officer, marketing), "can_report": can_report(user),
               "show_reporter": officer or marketing or user.oversees_anyone,
               "can_count": user.oversees_anyone,
               "can_summarise": can_summarise(user)}
    return render(request, "monopoly/reports.html", context)


def _stores(user):
    """The stores a report may name: those the reporter sees — a manager's own, a supervisor's team's
    (`visible_to` follows the team rule)."""
    return Customer.objects.visible_to(user)


def _store(request, form) -> tuple[bool, Customer | None]:
    """(found, the store): the one picked from the search, else the one the search text alone names (without
    JavaScript); (True, None) when no store was asked for, (False, None) with the form's error otherwise."""
    data = form.cleaned_data
    code, typed = data["customer_code"].strip(), data["store_q"].strip()
    if code:
        store = _stores(request.user).filter(customer_code=valid_code(code)).first()
    elif typed:
        store = only_match(_stores(request.user), typed)
    else:
        return True, None
    if store is None:
        form.add_error("store_q", _("Choose one of your stores from the search results, or clear the search."))
        return False, None
    return True, store


def _picked(request) -> Customer | None:
    code = request.POST.get("customer_code", "").strip()[:20]
    return _stores(request.user).filter(customer_code=valid_code(code)).first() if code else None


def _submit(request, form, customer) -> MarketReport:
    data = form.cleaned_data
    now = timezone.now()
    stored: list[Photo] = []
    try:
        with transaction.atomic():
            report, _created = actions.submit_report(
                by=request.user, client_uuid=data["client_uuid"], kind=data["kind"],
                description=data["description"], observed_at=now, latitude=data["latitude"],
                longitude=data["longitude"], accuracy_m=data["accuracy_m"], customer=customer,
                address=data["address"])
            for n, upload in enumerate(data["photos"]):
                # Derived from the report's uuid: a form sent twice stores each photo once.
                photo, created = photo_actions.store_photo(
                    report, upload=upload, client_uuid=uuid.uuid5(data["client_uuid"], str(n)), taken_at=now,
                    latitude=data["latitude"], longitude=data["longitude"], by=request.user)
                if created:
                    stored.append(photo)
    except BaseException:
        # The rollback forgets the rows, not the files already written for them: a refused form (a bad
        # second photo, say) leaves no photo on disk that no report owns.
        for photo in stored:
            photo.file.delete(save=False)
            photo.shown.delete(save=False)
        raise
    return report


@login_required
def report_new(request):
    """Report market information — business information to marketing, a violation to the monopoly office:
    kind, description, the position from the browser, store, photos."""
    if not can_report(request.user):
        raise PermissionDenied
    form = ReportForm(request.POST or None, request.FILES or None,
                      initial={"client_uuid": uuid.uuid4()})
    chosen = None
    if request.method == "POST" and not form.is_valid():
        chosen = _picked(request)  # shown again, still picked
    elif request.method == "POST":
        found, chosen = _store(request, form)
        report = None
        if found:
            with refusal_as_message(request):
                report = _submit(request, form, chosen)
        if report is not None:
            messages.success(request, _("Your report was sent to the monopoly office.") if report.is_violation
                             else _("Your market information was sent to marketing."))
            return redirect("monopoly:detail", report.pk)
    context = {"form": form, "owner_type": OWNER_TYPE, "chosen": chosen, "chosen_list": [chosen] if chosen else [],
               "store_q": form["store_q"].value() or ""}
    return render(request, "monopoly/report_new.html", context)


@login_required
def store_search(request):
    """The reporter's stores matching the search (name, code or address): the report form's htmx results."""
    if not can_report(request.user):
        raise PermissionDenied
    query, stores = matching_stores(_stores(request.user), request.GET.get("store_q", request.GET.get("q", "")))
    return render(request, "visits/_store_matches.html", {"q": query, "stores": stores, "optional": True})


@login_required
def report_detail(request, pk):
    """One report with its photos and, once decided, the outcome; the officer's outcome form on a violation,
    marketing's note on business information. Logged."""
    report = get_report_for_user(request.user, pk)
    actions.record_view(report, request.user)
    officer = is_officer(request.user, report)
    marketing = is_marketing_for(request.user, report)
    open_step = report.status != MarketReport.Status.PASSED_ON
    context = {
        "report": report,
        "photos": Photo.objects.of(report),
        "officer": officer,
        "marketing": marketing,
        "outcome_form": OutcomeForm() if officer and not report.is_decided else None,
        "acknowledge_form": AcknowledgeForm() if marketing and open_step else None,
        "views": (report.views.select_related("viewer").order_by("-viewed_at", "-pk")[:20]
                  if officer or marketing else None),
    }
    return render(request, "monopoly/report_detail.html", context)


@login_required
@require_POST
def report_outcome(request, pk):
    report = get_report_to_decide(request.user, pk)
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("monopoly:detail", report.pk)
    with refusal_as_message(request):
        actions.decide_report(report, by=request.user, status=form.cleaned_data["status"],
                              outcome=form.cleaned_data["outcome"])
        messages.success(request, _("The outcome was recorded; the reporter will see it."))
    return redirect("monopoly:detail", report.pk)


@login_required
@require_POST
def report_acknowledge(request, pk):
    """Marketing notes business information or marks it passed on; the reporter sees it."""
    report = get_info_to_acknowledge(request.user, pk)
    form = AcknowledgeForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("monopoly:detail", report.pk)
    with refusal_as_message(request):
        actions.acknowledge_info(report, by=request.user, status=form.cleaned_data["status"],
                                 note=form.cleaned_data["outcome"])
        messages.success(request, _("Recorded; the reporter will see it."))
    return redirect("monopoly:detail", report.pk)


def _summary(request):
    """(form, areas, the summary or None): the month chosen (this month by default) of the area chosen (the
    first one `request.user` may summarise by default). 403 for who summarises nothing, 404 for an area
    not theirs."""
    areas = summary_areas(request.user)
    form = SummaryForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    month = form.month_or(timezone.localdate())
    chosen = form.cleaned_data.get("area") if form.is_bound and form.is_valid() else None
    if chosen is not None:
        area = get_area_for_summary(request.user, chosen)
    else:
        area = areas.first()
    return form, areas, month, (month_summary(area, month) if area is not None else None)


@login_required
def summary(request):
    """The monthly market information summary (汇总) of one marketing area: counts by kind (violations as
    counts only), the business information items, and what the retailers said at the visits."""
    form, areas, month, result = _summary(request)
    query = f"month={month:%Y-%m}" + (f"&area={result.area.pk}" if result else "")
    return render(request, "monopoly/summary.html", {"form": form, "areas": areas, "month": month,
                                                      "summary": result, "query": query})


@login_required
def summary_export(request):
    """The same summary as xlsx."""
    _form, _areas, month, result = _summary(request)
    if result is None:
        raise Http404("No marketing area to summarise")
    output = io.BytesIO()
    export_summary_xlsx(output, result)
    response = HttpResponse(output.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="market-information-{result.area.pk}-{month:%Y%m}.xlsx"'
    return response


@login_required
def report_counts(request):
    """Reports per manager in a period (this week, this month or chosen days), for supervisors and admins:
    counts, never content. Counted by the day observed, with the day received beside it."""
    if not request.user.oversees_anyone:
        raise PermissionDenied
    form = CountsForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    first, last = form.days(timezone.localdate())
    rows = counts_per_reporter(request.user, first, last + timedelta(days=1))
    return render(request, "monopoly/counts.html", {"form": form, "rows": rows, "first": first, "last": last})
