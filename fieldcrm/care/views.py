"""The service plan page: a manager's services due, overdue first, done in person or by message."""

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fieldcrm.care.access import get_task_for_user
from fieldcrm.care.actions import MESSAGE_ITEMS, complete_task, default_message, send_task_message
from fieldcrm.care.models import OutboxMessage, ServiceTask
from fieldcrm.customers.models import Customer
from fieldcrm.pages import safe_next

WINDOWS = [
    ("overdue", gettext_lazy("Overdue")),
    ("week", gettext_lazy("Due this week")),
    ("month", gettext_lazy("Next 4 weeks")),
    ("done", gettext_lazy("Done")),
]


class MessageForm(forms.Form):
    text = forms.CharField(max_length=500, required=False)


@login_required
def service_plan(request):
    today = timezone.localdate()
    window = request.GET.get("window", "week")
    tasks = ServiceTask.objects.visible_to(request.user).select_related("customer", "item")
    if window == "overdue":
        tasks = tasks.overdue(today)
    elif window == "done":
        tasks = tasks.filter(status=ServiceTask.Status.DONE).order_by("-done_at")
    else:
        days = 28 if window == "month" else 7 - today.weekday()
        tasks = tasks.open().filter(due_date__lt=today + timedelta(days=days))
    page = Paginator(tasks, 50).get_page(request.GET.get("page"))
    rows = [
        {"task": t, "overdue": t.status == ServiceTask.Status.OPEN and t.due_date < today,
         "by_message": t.item.code in MESSAGE_ITEMS, "message": default_message(t)}
        for t in page
    ]
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
