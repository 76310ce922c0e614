"""Duty 2: the service catalogue (the article's three kinds, twelve items) and service standards per
customer class — how often a class is visited, which services apply how often, how fast needs are met."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from fieldcrm.customers.models import CustomerClass
from fieldcrm.org.models import Company


class ServiceKind(models.TextChoices):
    BASIC = "basic", _("Basic service")
    MARKETING = "marketing", _("Marketing service")
    EMOTIONAL = "emotional", _("Emotional service")


class VisitFrequency(models.TextChoices):
    TWICE_WEEKLY = "twice_weekly", _("Twice a week")
    WEEKLY = "weekly", _("Weekly")
    FORTNIGHTLY = "fortnightly", _("Fortnightly")
    MONTHLY = "monthly", _("Monthly")


# Visits in a four-week cycle for each frequency: what a weekly plan draws on.
VISITS_PER_FOUR_WEEKS = {
    VisitFrequency.TWICE_WEEKLY: 8,
    VisitFrequency.WEEKLY: 4,
    VisitFrequency.FORTNIGHTLY: 2,
    VisitFrequency.MONTHLY: 1,
}


class ItemFrequency(models.TextChoices):
    EACH_VISIT = "each_visit", _("At each visit")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    YEARLY = "yearly", _("Yearly")
    ON_EVENT = "on_event", _("When the occasion arises")


class ServicePolicy(models.Model):
    """The company's service rules that are not per class: when event services fall due, and the response
    time of a need whose customer's class has no standard. One per company, edited in the admin."""

    company = models.OneToOneField(Company, on_delete=models.CASCADE, related_name="service_policy")
    license_notice_days = models.PositiveSmallIntegerField(
        _("remind this many days before a licence expires"), default=30, validators=[MaxValueValidator(366)]
    )
    tier_change_follow_up_days = models.PositiveSmallIntegerField(
        _("follow up a tier or class change after (days)"), default=7, validators=[MaxValueValidator(366)]
    )
    default_response_hours = models.PositiveSmallIntegerField(
        _("response time for needs without a class standard (hours)"), default=48,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 31)],
        help_text=_("Used when the customer's class has no service standard, or the customer no class."),
    )
    festival_greeting_days_before = models.PositiveSmallIntegerField(
        _("send the Spring Festival greeting this many days before"), default=3, validators=[MaxValueValidator(30)],
        help_text=_("The festival's date is computed from the lunar calendar."),
    )

    class Meta:
        verbose_name = _("service policy")
        verbose_name_plural = _("service policies")

    def __str__(self):
        return str(self.company)

    @classmethod
    def for_company(cls, company: Company | int) -> "ServicePolicy":
        """The company's (or company id's) policy, created with the defaults on first use."""
        policy, _created = cls.objects.get_or_create(company_id=getattr(company, "pk", company))
        return policy


class ServiceItem(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="service_items")
    code = models.SlugField(_("code"), max_length=40)
    kind = models.CharField(_("kind"), max_length=20, choices=ServiceKind.choices)
    name = models.CharField(_("name"), max_length=50)
    description = models.CharField(_("description"), max_length=200, blank=True)
    standard_content = models.TextField(
        _("standard content"), blank=True,
        help_text=_("What the manager delivers when the task has nothing more specific, e.g. business guidance's "
                    "advice. Empty: such a task is not planned."),
    )
    needs_visit = models.BooleanField(_("done during a visit"), default=False)
    active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("service item")
        verbose_name_plural = _("service items")
        ordering = ["sort_order", "code"]
        constraints = [models.UniqueConstraint(fields=["company", "code"], name="unique_service_item_code")]

    def __str__(self):
        return self.name


class ServiceStandard(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="service_standards")
    customer_class = models.OneToOneField(
        CustomerClass, on_delete=models.CASCADE, related_name="service_standard", verbose_name=_("customer class")
    )
    visit_frequency = models.CharField(_("visit frequency"), max_length=20, choices=VisitFrequency.choices)
    response_hours = models.PositiveSmallIntegerField(
        _("response time for needs (hours)"), help_text=_("How fast a retailer's need must be answered.")
    )
    visit_minutes = models.PositiveSmallIntegerField(
        _("minutes per visit"), default=15, help_text=_("Time planned at the store on each visit.")
    )
    notes = models.CharField(_("notes"), max_length=200, blank=True)
    items = models.ManyToManyField(ServiceItem, through="StandardItem", related_name="standards")

    class Meta:
        verbose_name = _("service standard")
        verbose_name_plural = _("service standards")
        ordering = ["customer_class__sort_order"]

    def __str__(self):
        return str(self.customer_class)

    @property
    def visits_per_four_weeks(self) -> int:
        return VISITS_PER_FOUR_WEEKS[VisitFrequency(self.visit_frequency)]


class StandardItem(models.Model):
    standard = models.ForeignKey(ServiceStandard, on_delete=models.CASCADE, related_name="standard_items")
    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="+")
    frequency = models.CharField(_("how often"), max_length=20, choices=ItemFrequency.choices)

    class Meta:
        verbose_name = _("service in a standard")
        verbose_name_plural = _("services in a standard")
        constraints = [models.UniqueConstraint(fields=["standard", "item"], name="unique_standard_item")]

    def __str__(self):
        return f"{self.standard}: {self.item}"


class Promotion(models.Model):
    """A marketing promotion aimed at some tiers and business formats: each targeted active retailer gets a
    promotion-support service in its plan, due when the promotion starts."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="promotions")
    name = models.CharField(_("name"), max_length=100)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    tier_min = models.PositiveSmallIntegerField(_("lowest tier"), null=True, blank=True)
    tier_max = models.PositiveSmallIntegerField(_("highest tier"), null=True, blank=True)
    business_formats = models.JSONField(
        _("business formats"), default=list, blank=True, help_text=_("Empty: every format.")
    )
    lead_days = models.PositiveSmallIntegerField(
        _("brief retailers this many days before"), default=0
    )

    class Meta:
        verbose_name = _("promotion")
        verbose_name_plural = _("promotions")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="promotion_dates"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        from django.core.exceptions import ValidationError

        from fieldcrm.customers.models import BusinessFormat

        errors: dict[str, object] = {}
        if self.tier_min and self.tier_max and self.tier_min > self.tier_max:
            errors["tier_max"] = _("The highest tier is below the lowest.")
        if not isinstance(self.business_formats, list):
            errors["business_formats"] = _("A list of business format codes.")
        else:
            unknown = sorted(set(map(str, self.business_formats)) - set(BusinessFormat.values))
            if unknown:
                errors["business_formats"] = _("Unknown business formats: %(codes)s") % {"codes": ", ".join(unknown)}
        if errors:
            raise ValidationError(errors)

    def targets(self, customer) -> bool:
        tier = customer.tier
        if self.tier_min is not None and (tier is None or tier < self.tier_min):
            return False
        if self.tier_max is not None and (tier is None or tier > self.tier_max):
            return False
        return not self.business_formats or customer.business_format in self.business_formats

    @property
    def brief_on(self):
        from datetime import timedelta

        return self.starts_on - timedelta(days=self.lead_days)


class TaskSource(models.TextChoices):
    STANDARD = "standard", _("Service standard")
    BIRTHDAY = "birthday", _("Owner's birthday")
    LICENSE_EXPIRY = "license_expiry", _("Licence expiry approaching")
    ONBOARDING = "onboarding", _("New retailer")
    TIER_CHANGE = "tier_change", _("Tier or class change")
    HOLIDAY = "holiday", _("Holiday")
    PROMOTION = "promotion", _("Promotion")


class CancelReason(models.TextChoices):
    """Why re-planning cancelled a task (care/actions.py refresh_open_tasks): what the manager reads."""

    NEWS_WITHDRAWN = "news_withdrawn", _("Nothing left to tell: its price changes and new SKUs were withdrawn")
    PROMOTION_WITHDRAWN = "promotion_withdrawn", _(
        "Nothing left to bring: its promotion was cancelled, moved or no longer targets this store")
    NO_ADVICE = "no_advice", _("No advice to give: the service's standard content was emptied")
    NOT_ON_BIRTHDAY = "not_on_birthday", _("Planned on the year's last day instead of the birthday (a fixed error)")


class ServiceTaskQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=ServiceTask.Status.OPEN)

    def overdue(self, today):
        return self.open().filter(due_date__lt=today)

    def visible_to(self, user):
        from fieldcrm.customers.models import Customer

        return self.filter(customer__in=Customer.objects.visible_to(user).values("pk"))


class ServiceTask(models.Model):
    """One service owed to one retailer by a date: the service plan is the set of these."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        SKIPPED = "skipped", _("Skipped")
        # By re-planning only, when the task is left with nothing to say (cancel_reason says why).
        CANCELLED = "cancelled", _("Cancelled")

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="service_tasks")
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("service"))
    source = models.CharField(_("why"), max_length=20, choices=TaskSource.choices)
    due_date = models.DateField(_("due"))
    reason = models.CharField(_("details"), max_length=200, blank=True)
    # What the service delivers (care/content.py): `subject` names it (ids of the new SKUs, price changes and
    # promotions, the classification change, the advice), rendered in the reader's language when shown;
    # `content` is the same in the retailers' language as last planned (the message, and the record of
    # what was said once its news is gone). Re-planning rewrites both while the task is open.
    subject = models.JSONField(_("subject"), default=dict, blank=True)
    content = models.TextField(_("content"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        "org.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    cancel_reason = models.CharField(_("why cancelled"), max_length=30, choices=CancelReason.choices, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    objects = ServiceTaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("service task")
        verbose_name_plural = _("service tasks")
        ordering = ["due_date", "pk"]
        constraints = [
            # Generating the plan twice for the same period must not duplicate anything.
            models.UniqueConstraint(fields=["customer", "item", "source", "due_date"], name="unique_service_task")
        ]
        indexes = [models.Index(fields=["status", "due_date"])]

    def __str__(self):
        return f"{self.customer_id} {self.item} {self.due_date}"


class OutboxMessage(models.Model):
    """A message to a retailer as the embedded sender records it (a real SMS/WeChat sender plugs in via
    settings.MESSAGE_SENDER); the manager can see exactly what went out."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="messages")
    phone = models.CharField(_("phone"), max_length=12)
    text = models.CharField(_("text"), max_length=500)
    task = models.ForeignKey(ServiceTask, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages")
    sent_by = models.ForeignKey("org.User", on_delete=models.PROTECT, related_name="+", db_index=False)
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True, db_index=True)
    channel = models.CharField(_("channel"), max_length=20, default="outbox")

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-sent_at", "-pk"]

    def __str__(self):
        return f"{self.phone}: {self.text[:20]}"
