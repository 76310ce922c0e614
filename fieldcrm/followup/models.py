"""Duty 5: a retailer's needs (诉求) followed to resolution and feedback.

A need is raised for a customer and must be answered within its class's response time (ServiceStandard
.response_hours). Its lifecycle (followup/actions.py does every step, DemandStep records each one):

    open (raised, routed to the department its kind maps to: DemandRoute, else DEFAULT_ROUTES)
      -> accepted (department)            -> resolved (department, with what was done; the manager is told)
      -> handed_back (department, reason) -> resolved (the manager settles it alone)
    resolved -> closed by the manager's feedback to the retailer (channel, response, satisfied): only then.

The manager may also resolve alone any need not yet resolved. An unresolved need past `due_at` is escalated
once to the supervisor (`escalated_at`). The duty-5 metric `demand_closure` (shared metrics.md) is read from
`due_at`, `closed_at` and `feedback_at`.
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


# Where each kind goes unless the company's DemandRoute says otherwise (values: org.Department.Kind).
DEFAULT_ROUTES = {
    "supply": "supply", "ordering": "supply",
    "delivery": "logistics",
    "marketing": "marketing", "price": "marketing",
    "licence": "monopoly",
    "equipment": "service", "legal": "service", "complaint": "service", "other": "service",
}


# A need closed with feedback to the retailer by its deadline (`demand_closure`'s numerator), as a condition
# the metrics count in one aggregate.
ANSWERED_IN_TIME = Q(status="closed", feedback_at__isnull=False, feedback_at__lte=models.F("due_at"))


class DemandQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Managers, supervisors and admins: the needs of the customers they see; department staff and
        monopoly officers: only the needs routed to their own department."""
        from fieldcrm.customers.models import Customer

        demands = self.filter(customer__in=Customer.objects.visible_to(user).values("pk"))
        if user.is_authenticated and user.is_department_staff and not user.is_superuser:
            return demands.filter(department_id=user.department_id) if user.department_id else demands.none()
        return demands

    def open(self):
        """Not closed yet: waiting for the department, resolved but the retailer not told, handed back."""
        return self.exclude(status=Demand.Status.CLOSED)

    def unresolved(self):
        return self.filter(status__in=Demand.UNRESOLVED)

    def awaiting_feedback(self):
        return self.filter(status=Demand.Status.RESOLVED)

    def closed(self):
        return self.filter(status=Demand.Status.CLOSED)

    def overdue(self, now=None):
        """Past the deadline and the retailer not told yet."""
        return self.open().filter(due_at__lt=now or timezone.now())

    def to_escalate(self, now=None):
        """Past the deadline, not resolved, not escalated yet."""
        return self.unresolved().filter(due_at__lt=now or timezone.now(), escalated_at__isnull=True)

    def answered_in_time(self):
        """Closed with feedback to the retailer by the deadline: the numerator of `demand_closure`."""
        return self.filter(ANSWERED_IN_TIME)


class Demand(models.Model):
    class Kind(models.TextChoices):
        SUPPLY = "supply", _("Supply and products")
        DELIVERY = "delivery", _("Delivery and logistics")
        MARKETING = "marketing", _("Marketing and promotion")
        LICENCE = "licence", _("Licence and monopoly")
        EQUIPMENT = "equipment", _("Equipment")
        OTHER = "other", _("Other need")
        ORDERING = "ordering", _("Ordering")
        PRICE = "price", _("Price")
        LEGAL = "legal", _("Legal advice")
        COMPLAINT = "complaint", _("Complaint")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("need status", "Open")
        ACCEPTED = "accepted", pgettext_lazy("need status", "Accepted")
        HANDED_BACK = "handed_back", pgettext_lazy("need status", "Handed back")
        RESOLVED = "resolved", pgettext_lazy("need status", "Resolved, tell the retailer")
        CLOSED = "closed", pgettext_lazy("need status", "Closed")

    class Channel(models.TextChoices):
        VISIT = "visit", _("At a visit")
        PHONE = "phone", _("By phone")
        SMS = "sms", _("By SMS")
        WECHAT = "wechat", _("By WeChat")

    UNRESOLVED = (Status.OPEN, Status.ACCEPTED, Status.HANDED_BACK)

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
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    # Where it was routed when raised (by kind, the company's routing); a later change of routing moves no
    # need already raised.
    department = models.ForeignKey(
        "org.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="demands",
        verbose_name=_("department"),
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        db_index=False, verbose_name=_("resolved by"),
    )
    # Escalated to the supervisor once, when it passed its deadline unresolved.
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        db_index=False, verbose_name=_("closed by"),
    )
    resolution = models.CharField(_("resolution"), max_length=1000, blank=True)
    # When the retailer was told the outcome (the feedback step; empty on needs closed before it existed
    # without telling the retailer).
    feedback_at = models.DateTimeField(_("feedback given at"), null=True, blank=True)
    feedback_channel = models.CharField(_("feedback channel"), max_length=10, choices=Channel.choices, blank=True)
    retailer_response = models.CharField(_("the retailer's response"), max_length=500, blank=True)
    satisfied = models.BooleanField(_("retailer satisfied"), null=True, blank=True)
    # The phone's id for the feedback step: a replayed feedback returns the closed need unchanged.
    feedback_uuid = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    # Makes a repeated submission (double tap, a resent offline queue) harmless.
    client_uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The planned visits this need is a reason for (written when a week is planned: followup.reasons); read
    # from a visit as `planned_visit.demands`.
    planned_visits = models.ManyToManyField("visits.PlannedVisit", related_name="demands", blank=True,
                                            verbose_name=_("planned visits"))

    objects = DemandQuerySet.as_manager()

    class Meta:
        verbose_name = _("retailer need")
        verbose_name_plural = _("retailer needs")
        ordering = ["due_at", "pk"]
        indexes = [models.Index(fields=["status", "due_at"])]
        constraints = [
            models.CheckConstraint(
                condition=(~Q(status="closed") & Q(closed_at__isnull=True))
                | Q(status="closed", closed_at__isnull=False),
                name="demand_closed_has_time",
            ),
            models.CheckConstraint(condition=Q(due_at__gte=models.F("raised_at")), name="demand_due_after_raised"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.description[:30]}"

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CLOSED

    @property
    def is_resolved(self) -> bool:
        return self.status in (self.Status.RESOLVED, self.Status.CLOSED)

    def is_escalated(self) -> bool:
        return self.escalated_at is not None

    def is_overdue(self, now=None) -> bool:
        return self.is_open and self.due_at < (now or timezone.now())

    def is_near_due(self, now=None) -> bool:
        now = now or timezone.now()
        return self.is_open and now <= self.due_at < now + timedelta(hours=NEAR_DUE_HOURS)

    @property
    def closed_late(self) -> bool:
        return self.closed_at is not None and self.closed_at > self.due_at


class DemandRoute(models.Model):
    """A company's routing of one kind of need to a department (edited in the admin); a kind without a row
    goes to DEFAULT_ROUTES's department."""

    company = models.ForeignKey("org.Company", on_delete=models.CASCADE, related_name="+", verbose_name=_("company"))
    kind = models.CharField(_("kind of need"), max_length=20, choices=Demand.Kind.choices)
    department = models.ForeignKey("org.Department", on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("department"))

    class Meta:
        verbose_name = _("need routing")
        verbose_name_plural = _("need routing")
        constraints = [models.UniqueConstraint(fields=["company", "kind"], name="unique_demand_route")]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.department}"


class DemandStep(models.Model):
    """One step of a need's timeline: who did what, when, with a note (the resolution, the reason it was
    handed back, the retailer's response)."""

    class Action(models.TextChoices):
        RAISED = "raised", pgettext_lazy("need step", "Raised")
        ROUTED = "routed", pgettext_lazy("need step", "Routed")
        ACCEPTED = "accepted", pgettext_lazy("need step", "Accepted")
        HANDED_BACK = "handed_back", pgettext_lazy("need step", "Handed back")
        RESOLVED = "resolved", pgettext_lazy("need step", "Resolved")
        ESCALATED = "escalated", pgettext_lazy("need step", "Escalated")
        FEEDBACK = "feedback", pgettext_lazy("need step", "Retailer told")
        CLOSED = "closed", pgettext_lazy("need step", "Closed")

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="steps", verbose_name=_("need"))
    action = models.CharField(_("step"), max_length=12, choices=Action.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                           related_name="+", db_index=False, verbose_name=_("by"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    note = models.CharField(_("note"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("need step")
        verbose_name_plural = _("need steps")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.get_action_display()} {self.at:%Y-%m-%d %H:%M}"
