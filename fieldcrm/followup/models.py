"""Duty 5: a retailer's needs (诉求) followed to resolution and feedback.

A need is raised for a customer, must be answered within its class's response time (ServiceStandard
.response_hours) and is closed with the resolution and, normally, feedback given to the retailer. The
duty-5 metric `demand_closure` (shared metrics.md) is read from `due_at`, `closed_at` and `feedback_at`.
Routing to departments and a timeline come later: they extend `Status` and add models that point here.
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# Shown as "due soon" when less than this is left (display only; the SLA itself is the class standard).
NEAR_DUE_HOURS = 24


class DemandQuerySet(models.QuerySet):
    def visible_to(self, user):
        from fieldcrm.customers.models import Customer

        return self.filter(customer__in=Customer.objects.visible_to(user).values("pk"))

    def open(self):
        return self.filter(status=Demand.Status.OPEN)

    def closed(self):
        return self.filter(status=Demand.Status.CLOSED)

    def overdue(self, now=None):
        return self.open().filter(due_at__lt=now or timezone.now())

    def answered_in_time(self):
        """Closed with feedback to the retailer by the deadline: the numerator of `demand_closure`."""
        return self.closed().filter(feedback_at__isnull=False, feedback_at__lte=models.F("due_at"))


class Demand(models.Model):
    class Kind(models.TextChoices):
        SUPPLY = "supply", _("Supply and products")
        DELIVERY = "delivery", _("Delivery and logistics")
        MARKETING = "marketing", _("Marketing and promotion")
        LICENCE = "licence", _("Licence and monopoly")
        EQUIPMENT = "equipment", _("Equipment")
        OTHER = "other", _("Other need")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("need status", "Open")
        CLOSED = "closed", pgettext_lazy("need status", "Closed")

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="demands", verbose_name=_("customer")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    description = models.CharField(_("what the retailer needs"), max_length=500)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False,
        verbose_name=_("raised by"),
    )
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)
    # The response time in force when the need was raised: a later change of the standard moves no deadline.
    response_hours = models.PositiveSmallIntegerField(_("response time (hours)"))
    due_at = models.DateTimeField(_("answer by"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        db_index=False, verbose_name=_("closed by"),
    )
    resolution = models.CharField(_("resolution"), max_length=1000, blank=True)
    # When the retailer was told the outcome (empty: not yet, or not needed). Today it is set on closing;
    # duty 5's feedback step will set it on its own.
    feedback_at = models.DateTimeField(_("feedback given at"), null=True, blank=True)
    # Makes a repeated submission (double tap, a resent offline queue) harmless.
    client_uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    objects = DemandQuerySet.as_manager()

    class Meta:
        verbose_name = _("retailer need")
        verbose_name_plural = _("retailer needs")
        ordering = ["due_at", "pk"]
        indexes = [models.Index(fields=["status", "due_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", closed_at__isnull=True) | Q(status="closed", closed_at__isnull=False),
                name="demand_closed_has_time",
            ),
            models.CheckConstraint(condition=Q(due_at__gte=models.F("raised_at")), name="demand_due_after_raised"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.description[:30]}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    def is_overdue(self, now=None) -> bool:
        return self.is_open and self.due_at < (now or timezone.now())

    def is_near_due(self, now=None) -> bool:
        now = now or timezone.now()
        return self.is_open and now <= self.due_at < now + timedelta(hours=NEAR_DUE_HOURS)

    @property
    def closed_late(self) -> bool:
        return self.closed_at is not None and self.closed_at > self.due_at
