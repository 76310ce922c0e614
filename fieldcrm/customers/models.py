"""Retail customer (零售客户) profiles, their classification history and change requests."""

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from fieldcrm.org.models import Company, Department, Territory


class BusinessFormat(models.TextChoices):
    GROCERY = "grocery", _("Grocery store")
    CONVENIENCE = "convenience", _("Convenience store")
    SUPERMARKET = "supermarket", _("Supermarket")
    MALL = "mall", _("Shopping mall")
    TOBACCO_LIQUOR = "tobacco_liquor", _("Tobacco and liquor shop")
    ENTERTAINMENT = "entertainment", _("Entertainment and services")
    OTHER = "other", _("Other")


class MarketType(models.TextChoices):
    URBAN = "urban", _("Urban")
    RURAL = "rural", _("Rural")


class BusinessScale(models.TextChoices):
    LARGE = "large", _("Large")
    MEDIUM = "medium", _("Medium")
    SMALL = "small", _("Small")


class CustomerStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    CLOSED = "closed", _("Closed")
    REVOKED = "revoked", _("Revoked")


class OrderDay(models.IntegerChoices):
    MONDAY = 1, _("Monday")
    TUESDAY = 2, _("Tuesday")
    WEDNESDAY = 3, _("Wednesday")
    THURSDAY = 4, _("Thursday")
    FRIDAY = 5, _("Friday")
    SATURDAY = 6, _("Saturday")
    SUNDAY = 7, _("Sunday")


# Fields that go stale in the street; each keeps when and by whom it was last verified.
VOLATILE_FIELDS = ("phone", "address", "owner_name", "business_scale")


class CustomerClass(models.Model):
    """A company-configured customer class (客户分类), the key of service standards."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="customer_classes")
    name = models.CharField(_("name"), max_length=50)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    description = models.CharField(_("description"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("customer class")
        verbose_name_plural = _("customer classes")
        ordering = ["sort_order", "name"]
        constraints = [models.UniqueConstraint(fields=["company", "name"], name="unique_class_name")]

    def __str__(self):
        return self.name


class CustomerQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The customers a user may see: a manager their own, a supervisor those of the managers in the
        marketing area they lead, department staff, monopoly officers and admins every customer of their
        company. Nothing for anyone signed out or deactivated."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.is_superuser:
            return self.all()
        company = self.filter(company_id=user.company_id)
        return company if user.is_department_staff else company.filter(user.overseen("manager"))

    def stale(self, field: str | None = None, today: date | None = None):
        """Customers with a volatile field (or the given one) not verified within STALE_PROFILE_DAYS."""
        cutoff = timezone.now() - timedelta(days=settings.STALE_PROFILE_DAYS)
        fields = [field] if field else list(VOLATILE_FIELDS)
        condition = Q()
        for name in fields:
            condition |= Q(**{f"{name}_verified_at__isnull": True}) | Q(**{f"{name}_verified_at__lt": cutoff})
        return self.filter(condition)


def _verified_at():
    return models.DateTimeField(null=True, blank=True, editable=False)


def _verified_by():
    # Never searched by, so no index: every index costs time on a 300,000-row import.
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False,
        related_name="+", db_index=False,
    )


# History rows are read per customer (by id) and by date; other indexes would only slow imports down.
UNINDEXED_HISTORY_FIELDS = [
    "customer_code", "company", "customer_class", "manager", "territory", "phone_verified_by",
    "address_verified_by", "owner_name_verified_by", "business_scale_verified_by",
]


class Customer(models.Model):
    # One company per installation in practice, so an index on it would never be selective.
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="customers", db_index=False)
    customer_code = models.CharField(_("customer code"), max_length=20, unique=True)
    name = models.CharField(_("store name"), max_length=100)
    license_no = models.CharField(_("licence number"), max_length=20, db_index=True)
    owner_name = models.CharField(_("owner"), max_length=50)
    phone = models.CharField(_("phone"), max_length=12, db_index=True)
    address = models.CharField(_("address"), max_length=200)
    longitude = models.FloatField(_("longitude (WGS-84)"), null=True, blank=True)
    latitude = models.FloatField(_("latitude (WGS-84)"), null=True, blank=True)
    business_format = models.CharField(_("business format"), max_length=20, choices=BusinessFormat.choices)
    market_type = models.CharField(_("market type"), max_length=10, choices=MarketType.choices)
    business_scale = models.CharField(
        _("business scale"), max_length=10, choices=BusinessScale.choices, blank=True
    )
    tier = models.PositiveSmallIntegerField(_("tier"), null=True, blank=True)
    customer_class = models.ForeignKey(
        CustomerClass,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customers",
        verbose_name=_("customer class"),
    )
    order_day = models.PositiveSmallIntegerField(_("order day"), choices=OrderDay.choices, null=True, blank=True)
    opens_at = models.TimeField(_("opens at"), null=True, blank=True)
    closes_at = models.TimeField(_("closes at"), null=True, blank=True)
    # The weekday the store is closed every week (1 = Monday … 7 = Sunday): never planned on that day.
    rest_day = models.PositiveSmallIntegerField(_("weekly rest day"), choices=OrderDay.choices, null=True,
                                                blank=True)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="customers",
        verbose_name=_("customer manager"),
        db_index=False,  # served by the (manager, customer_code) index
    )
    territory = models.ForeignKey(
        Territory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customers",
        verbose_name=_("territory"),
    )
    owner_birthday = models.DateField(_("owner's birthday"), null=True, blank=True)
    license_expiry = models.DateField(_("licence valid until"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=CustomerStatus.choices, default=CustomerStatus.ACTIVE
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now, editable=False)
    # Optimistic lock: every save bumps it; a save based on an older version is refused.
    version = models.PositiveIntegerField(default=1, editable=False)
    # Lower-cased concatenation of the searchable fields, so one indexed column serves the search box.
    search_text = models.TextField(default="", editable=False)

    phone_verified_at = _verified_at()
    phone_verified_by = _verified_by()
    address_verified_at = _verified_at()
    address_verified_by = _verified_by()
    owner_name_verified_at = _verified_at()
    owner_name_verified_by = _verified_by()
    business_scale_verified_at = _verified_at()
    business_scale_verified_by = _verified_by()

    history = HistoricalRecords(excluded_fields=["search_text", "updated_at"], no_db_index=UNINDEXED_HISTORY_FIELDS)
    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("retail customer")
        verbose_name_plural = _("retail customers")
        ordering = ["customer_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["license_no"],
                condition=~Q(status="revoked"),
                name="unique_live_license",
            ),
            models.CheckConstraint(
                condition=Q(tier__isnull=True) | Q(tier__gte=1, tier__lte=30), name="tier_1_to_30"
            ),
        ]
        indexes = [
            models.Index(fields=["manager", "customer_code"]),
            models.Index(fields=["tier"]),
            models.Index(fields=["status"]),
        ]

    def __str__(self):
        return f"{self.name} ({self.customer_code})"

    @property
    def business_hours(self) -> str:
        if self.opens_at is None or self.closes_at is None:
            return ""
        return f"{self.opens_at:%H:%M}-{self.closes_at:%H:%M}"

    @property
    def open_overnight(self) -> bool:
        """Hours like 22:00-07:00: open from the evening until the next morning."""
        return self.opens_at is not None and self.closes_at is not None and self.closes_at < self.opens_at

    def build_search_text(self) -> str:
        return search_text_of(vars(self))

    def is_stale(self, field: str) -> bool:
        verified = getattr(self, f"{field}_verified_at")
        if verified is None:
            return True
        return verified < timezone.now() - timedelta(days=settings.STALE_PROFILE_DAYS)

    def stale_fields(self) -> list[str]:
        return [f for f in VOLATILE_FIELDS if self.is_stale(f)]

    def classification_on(self, field: str, when) -> str:
        """The tier or class (as logged text) this customer had at `when`.

        Every change logs old and new values, so: the new value of the last change at or before `when`;
        else the old value of the first change after it; else, with no changes at all, today's value.
        """
        changes = self.classification_changes.filter(field=field)
        before = changes.filter(changed_at__lte=when).order_by("-changed_at", "-pk").first()
        if before is not None:
            return before.new_value
        after = changes.filter(changed_at__gt=when).order_by("changed_at", "pk").first()
        if after is not None:
            return after.old_value
        if field == ClassificationChange.Field.CUSTOMER_CLASS:
            return self.customer_class.name if self.customer_class_id else ""
        return "" if self.tier is None else str(self.tier)


# What the search box matches (the list); every character here costs trigram-index time on import.
SEARCHED_FIELDS = ("customer_code", "name", "license_no", "phone", "address")


def search_text_of(values) -> str:
    """The lower-cased text the search box matches, from a mapping of field values."""
    return "\n".join(str(values[name]) for name in SEARCHED_FIELDS if values.get(name)).lower()


class ClassificationChange(models.Model):
    """One change of a customer's tier or class (from, to, when, why): the log analytics reads for tier and
    class movements, and with Customer.classification_on for "tier on date X". Creation is not a change."""

    class Field(models.TextChoices):
        TIER = "tier", _("tier")
        CUSTOMER_CLASS = "customer_class", _("customer class")

    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="classification_changes",
        db_index=False,  # served by the (customer, field, changed_at) index
    )
    field = models.CharField(_("field"), max_length=20, choices=Field.choices)
    old_value = models.CharField(_("from"), max_length=50, blank=True)
    new_value = models.CharField(_("to"), max_length=50, blank=True)
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now, db_index=True)
    source = models.CharField(_("source"), max_length=20)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        db_index=False,
    )

    class Meta:
        verbose_name = _("classification change")
        verbose_name_plural = _("classification changes")
        ordering = ["customer", "changed_at", "pk"]
        indexes = [models.Index(fields=["customer", "field", "changed_at"])]

    def __str__(self):
        return f"{self.customer_id} {self.field}: {self.old_value} → {self.new_value}"


class FieldPolicy(models.Model):
    """Who may change a profile field: the manager directly, or a department after review."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="field_policies")
    field = models.CharField(_("field"), max_length=30)
    manager_editable = models.BooleanField(_("manager edits directly"), default=False)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("owning department"),
        help_text=_("Reviews change requests for this field."),
    )

    class Meta:
        verbose_name = _("field policy")
        verbose_name_plural = _("field policies")
        constraints = [models.UniqueConstraint(fields=["company", "field"], name="unique_field_policy")]

    def __str__(self):
        return self.field


class ChangeRequestQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The requests a user proposed or oversees (those on the customers they see as a manager or
        supervisor), a department's own (its staff decide them), or all of the company (admins)."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.is_superuser:
            return self.all()
        company = self.filter(customer__company_id=user.company_id)
        if user.is_department_staff:
            return company.filter(department_id=user.department_id)
        return company.filter(user.overseen("customer__manager"))

    def pending(self):
        return self.filter(status=ChangeRequest.Status.PENDING)


class ChangeRequest(models.Model):
    """A manager's proposed change to one profile field, decided by the owning department."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="change_requests")
    field = models.CharField(_("field"), max_length=30)
    old_value = models.CharField(_("current value"), max_length=200, blank=True)
    new_value = models.CharField(_("proposed value"), max_length=200, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="change_requests", verbose_name=_("department")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=200, blank=True)
    # The request id a client generated, so a repeated submission is recognised and not duplicated.
    client_uuid = models.UUIDField(null=True, blank=True, unique=True)

    objects = ChangeRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")
        ordering = ["-proposed_at", "-pk"]
        indexes = [models.Index(fields=["department", "status", "proposed_at"])]

    def __str__(self):
        return f"#{self.pk} {self.customer.customer_code} {self.field}"


class AppliedChange(models.Model):
    """A manager's edit that was saved to the profile at once, kept by the client's request id: a phone that
    resends it after a lost answer hears "applied" again instead of "same as the current value"."""

    client_uuid = models.UUIDField(unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="applied_changes")
    field = models.CharField(_("field"), max_length=30)
    new_value = models.CharField(_("new value"), max_length=200, blank=True)
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    applied_at = models.DateTimeField(_("applied at"), default=timezone.now)

    class Meta:
        verbose_name = _("change applied at once")
        verbose_name_plural = _("changes applied at once")

    def __str__(self):
        return f"{self.customer_id} {self.field}"
