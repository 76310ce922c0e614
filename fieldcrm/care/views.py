"""The service plan page: a manager's services by week and store — overdue first, then this week's, then
later; within a store the events and promotions before routine services — done in person (on the visit
checklist) or by message when there is something to say."""

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, F, IntegerField, Min, Q, Value, When, Window
from django.db.models.functions import Coalesce
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fieldcrm.care.access import get_task_for_user
from fieldcrm.care.actions import complete_task, send_task_message
from fieldcrm.care.content import CONTENT_ITEMS, RETAILER_LANGUAGE, month_day, show
from fieldcrm.care.models import OutboxMessage, ServiceTask, TaskSource
from fieldcrm.customers.models import Customer
from fieldcrm.lib.periods import week_start
from fieldcrm.pages import safe_next

WINDOWS = [
    ("overdue", gettext_lazy("Overdue")),
    ("week", gettext_lazy("Due this week")),
    ("month", gettext_lazy("Next 4 weeks")),
    # Done by the manager, or cancelled by re-planning with the reason (nothing left to say).
    ("done", gettext_lazy("Done or cancelled")),
]
# Tasks per page: each carries its content (or its message), so a page stays light on a phone.
PAGE_SIZE = 50
WEEKS_AHEAD = 4
# What a store is owed besides routine: shown before the routine services of the same store and week.
EVENT_SOURCES = [TaskSource.BIRTHDAY, TaskSource.LICENSE_EXPIRY, TaskSource.ONBOARDING, TaskSource.TIER_CHANGE,
                 TaskSource.HOLIDAY, TaskSource.PROMOTION]


class MessageForm(forms.Form):
    text = forms.CharField(max_length=500, required=False)


def _by_due_week(tasks, today):
    """Order open tasks overdue first, then by week from this one, then store (those with an event or a
    promotion that week first), then events and promotions before routine services: all in the query, so the
    pages split it where they like."""
    monday = week_start(today)
    week = Case(When(due_date__lt=today, then=Value(-1)),
                *[When(due_date__lt=monday + timedelta(days=7 * (n + 1)), then=Value(n)) for n in range(WEEKS_AHEAD)],
                default=Value(WEEKS_AHEAD), output_field=IntegerField())
    routine = Case(When(Q(source__in=EVENT_SOURCES) | Q(item__code="promotion_support"), then=Value(0)),
                   default=Value(1), output_field=IntegerField())
    # Stores with an event or a promotion that week come first, so those are not buried behind routine.
    store_routine = Window(Min(routine), partition_by=[F("customer_id"), week])
    return tasks.annotate(week=week, routine=routine, store_routine=store_routine).order_by(
        "week", "store_routine", "customer__name", "customer_id", "routine", "due_date", "pk")


def _week_label(week: int, today):
    if week < 0:
        return _("Overdue")
    if week == 0:
        return _("This week")
    if week == 1:
        return _("Next week")
    monday = week_start(today) + timedelta(days=7 * week)
    return _("Week of %(day)s") % {"day": month_day(monday)}


@login_required
def service_plan(request):
    today = timezone.localdate()
    window = request.GET.get("window", "week")
    tasks = ServiceTask.objects.visible_to(request.user).select_related("customer__manager", "item")
    if window == "overdue":
        tasks = _by_due_week(tasks.overdue(today), today)
    elif window == "done":
        tasks = tasks.filter(status__in=[ServiceTask.Status.DONE, ServiceTask.Status.CANCELLED]).order_by(
            Coalesce("done_at", "cancelled_at").desc(), "-pk")
    else:
        monday = week_start(today)
        weeks = WEEKS_AHEAD if window == "month" else 1
        tasks = _by_due_week(tasks.open().filter(due_date__lt=monday + timedelta(days=7 * weeks)), today)
    page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    shown = show(list(page))
    # In the retailers' language the message says what the content says: the content once is enough.
    reader_is_retailer = translation.get_language() == RETAILER_LANGUAGE
    rows = []
    for t in page:
        week = getattr(t, "week", None)
        is_open = t.status == ServiceTask.Status.OPEN
        said = shown[t.pk]
        rows.append({"task": t, "overdue": is_open and t.due_date < today,
                     "week": _week_label(week, today) if week is not None else "", "week_key": week,
                     "shown": said, "show_text": bool(said.text) and not (said.message and reader_is_retailer),
                     "nothing_left": is_open and t.item.code in CONTENT_ITEMS and not said.text})
    context = {"page": page, "rows": rows, "window": window, "windows": WINDOWS,
               "overdue_count": ServiceTask.objects.visible_to(request.user).overdue(today).count()}
    return render(request, "care/service_plan.html", context)


@login_required
@require_POST
def task_done(request, pk):
    task = get_task_for_user(request.user, pk, for_change=True)
    if complete_task(task, by=request.user):
        messages.success(request, _("Marked as done."))
    return redirect(safe_next(request, "care:plan"))


@login_required
@require_POST
def task_send(request, pk):
    task = get_task_for_user(request.user, pk, for_change=True)
    form = MessageForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The message is too long (500 characters at most)."))
    elif send_task_message(task, by=request.user, text=form.cleaned_data["text"]):
        messages.success(request, _("Message sent to %(phone)s.") % {"phone": task.customer.phone})
    return redirect(safe_next(request, "care:plan"))


@login_required
def outbox(request):
    sent = OutboxMessage.objects.filter(
        customer__in=Customer.objects.visible_to(request.user).values("pk")
    ).select_related("customer", "sent_by")
    page = Paginator(sent, 50).get_page(request.GET.get("page"))
    return render(request, "care/outbox.html", {"page": page})
