"""Order lines from the ordering system and the managers' sales targets."""

import calendar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class OrderLine(models.Model):
    """One line of a retailer's order (import contract: Orders, key 订单号 + 卷烟编码). Quantities are in 条.

    `unit_cost` is the SKU's allocation price (调拨价) per 条 on the order date, taken from the SKU's price
    history when the line is written, so gross profit never moves when a price changes later."""

    order_no = models.CharField(_("order number"), max_length=40)
    # No database constraint on these two: PostgreSQL checks a foreign key row by row at commit, which was a
    # third of a 200k-line import's time, and the import has already looked up both ids. Deleting a
    # customer or SKU with lines is still refused (PROTECT is enforced by Django).
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="order_lines",
                            verbose_name=_("SKU"), db_constraint=False)
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="order_lines",
                                 verbose_name=_("customer"), db_constraint=False)
    order_date = models.DateField(_("order date"))
    quantity = models.PositiveIntegerField(_("quantity (条)"))
    unit_price = models.DecimalField(_("unit price (元/条)"), max_digits=10, decimal_places=2)
    amount = models.DecimalField(_("amount (元)"), max_digits=14, decimal_places=2)
    unit_cost = models.DecimalField(_("cost (元/条)"), max_digits=10, decimal_places=2)
    changed_at = models.DateTimeField(_("changed at"), auto_now=True)
    # Where the line's last change came from ("import": the ordering system's files).
    source = models.CharField(_("source"), max_length=20, default="import")

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [models.UniqueConstraint(fields=["order_no", "sku"], name="unique_order_line")]
        indexes = [models.Index(fields=["customer", "order_date"], name="orderline_customer_date")]

    def __str__(self):
        return f"{self.order_no} {self.sku_id}"


class OrderLineChange(models.Model):
    """An order line's history: what it was before a change (a corrected quantity, price or date in a later
    file), when, from which source and by whom. The line itself holds the new values. Lines are written only
    when they change, so this stays small beside the lines."""

    line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="changes",
                             verbose_name=_("order line"))
    changed_at = models.DateTimeField(_("changed at"))
    source = models.CharField(_("source"), max_length=20)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("changed by"))
    old_customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("customer before"))
    old_order_date = models.DateField(_("order date before"))
    old_quantity = models.PositiveIntegerField(_("quantity before (条)"))
    old_unit_price = models.DecimalField(_("unit price before (元/条)"), max_digits=10, decimal_places=2)
    old_amount = models.DecimalField(_("amount before (元)"), max_digits=14, decimal_places=2)
    old_unit_cost = models.DecimalField(_("cost before (元/条)"), max_digits=10, decimal_places=2)

    class Meta:
        verbose_name = _("order line change")
        verbose_name_plural = _("order line changes")

    def __str__(self):
        return f"{self.line_id} {self.changed_at:%Y-%m-%d}"


class SalesTarget(models.Model):
    """A manager's volume target in 箱 for a half-open period [start, end) (`sales_vs_target`)."""

    manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sales_targets",
                                verbose_name=_("customer manager"))
    start = models.DateField(_("from"))
    end = models.DateField(_("until (exclusive)"))
    cases = models.DecimalField(_("target (箱)"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("sales target")
        verbose_name_plural = _("sales targets")
        constraints = [
            models.UniqueConstraint(fields=["manager", "start", "end"], name="unique_sales_target"),
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="sales_target_period"),
            models.CheckConstraint(condition=models.Q(cases__gt=0), name="sales_target_positive"),
        ]

    def __str__(self):
        return f"{self.manager} {self.start}–{self.end}: {self.cases}"


# --- tiers from orders and out-of-stock warnings (fieldcrm/sales/tiers.py, stockouts.py) -------------------


class TierRule(models.Model):
    """The company's tier rule (档位规则): how the tier 1–30 follows from the last `weeks` weeks of orders, how
    often it is reviewed, the tier of a retailer who has not ordered yet, and how far a tier may move without
    a supervisor's review. One per company, edited in the admin. The score is defined in `sales.tiers`."""

    class Period(models.TextChoices):
        MONTHLY = "monthly", _("monthly")
        QUARTERLY = "quarterly", _("quarterly")

    company = models.OneToOneField("org.Company", on_delete=models.CASCADE, related_name="tier_rule")
    volume_weight = models.PositiveSmallIntegerField(_("weight of volume (条)"), default=50,
                                                     validators=[MaxValueValidator(100)])
    value_weight = models.PositiveSmallIntegerField(_("weight of value (元)"), default=30,
                                                    validators=[MaxValueValidator(100)])
    price_weight = models.PositiveSmallIntegerField(_("weight of average carton price"), default=20,
                                                    validators=[MaxValueValidator(100)])
    weeks = models.PositiveSmallIntegerField(_("order history (weeks)"), default=12,
                                             validators=[MinValueValidator(1), MaxValueValidator(104)])
    review_period = models.CharField(_("review period"), max_length=10, choices=Period.choices,
                                     default=Period.MONTHLY)
    last_review_on = models.DateField(_("last reviewed on"), null=True, blank=True,
                                      help_text=_("The tiers stay locked until the next review after this day."))
    default_tier = models.PositiveSmallIntegerField(_("tier of a new retailer"), default=10,
                                                    validators=[MinValueValidator(1), MaxValueValidator(30)])
    max_jump = models.PositiveSmallIntegerField(
        _("largest move without review (tiers)"), default=3, validators=[MaxValueValidator(29)],
        help_text=_("A larger move waits for the supervisor's review instead of being applied."))

    class Meta:
        verbose_name = _("tier rule")
        verbose_name_plural = _("tier rules")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(volume_weight__gt=0) | models.Q(value_weight__gt=0) | models.Q(price_weight__gt=0),
                name="tier_rule_some_weight"),
            models.CheckConstraint(condition=models.Q(default_tier__gte=1, default_tier__lte=30),
                                   name="tier_rule_default_tier"),
        ]

    def __str__(self):
        return str(self.company)

    @classmethod
    def for_company(cls, company) -> "TierRule":
        rule, _created = cls.objects.get_or_create(company=company)
        return rule

    def next_review_on(self):
        """The first day the tiers may be reviewed again: the last review plus one or three months (to the
        same day of the month, or the month's last day); any day when never reviewed."""
        if self.last_review_on is None:
            return None
        months = 1 if self.review_period == self.Period.MONTHLY else 3
        year, month = divmod(self.last_review_on.month - 1 + months, 12)
        year += self.last_review_on.year
        last_day = calendar.monthrange(year, month + 1)[1]
        return self.last_review_on.replace(year=year, month=month + 1, day=min(self.last_review_on.day, last_day))

    def is_due(self, day) -> bool:
        upcoming = self.next_review_on()
        return upcoming is None or day >= upcoming


class TierReview(models.Model):
    """A tier move larger than the rule's `max_jump`, waiting for the supervisor of the customer's manager:
    approved, it is applied (logged like any tier change); rejected, the tier stays. A later run of the rule
    replaces a pending proposal (the old one becomes superseded)."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("tier review", "pending")
        APPROVED = "approved", pgettext_lazy("tier review", "approved")
        REJECTED = "rejected", pgettext_lazy("tier review", "rejected")
        SUPERSEDED = "superseded", pgettext_lazy("tier review", "superseded")

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="tier_reviews",
                                 verbose_name=_("customer"))
    old_tier = models.PositiveSmallIntegerField(_("from tier"), null=True, blank=True)
    new_tier = models.PositiveSmallIntegerField(_("to tier"))
    reason = models.CharField(_("reason"), max_length=200)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    proposed_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("tier review")
        verbose_name_plural = _("tier reviews")
        ordering = ["-proposed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["customer"], condition=models.Q(status="pending"),
                                    name="one_pending_tier_review"),
            models.CheckConstraint(condition=models.Q(new_tier__gte=1, new_tier__lte=30),
                                   name="tier_review_new_tier"),
        ]
        indexes = [models.Index(fields=["status", "proposed_at"], name="tierreview_status")]

    def __str__(self):
        return f"{self.customer_id}: {self.old_tier} → {self.new_tier} ({self.status})"


class StockoutPolicy(models.Model):
    """The company's out-of-stock settings (断货预警): the days from an order to its delivery."""

    company = models.OneToOneField("org.Company", on_delete=models.CASCADE, related_name="stockout_policy")
    delivery_lead_days = models.PositiveSmallIntegerField(_("delivery lead time (days)"), default=1,
                                                          validators=[MaxValueValidator(30)])

    class Meta:
        verbose_name = _("out-of-stock policy")
        verbose_name_plural = _("out-of-stock policies")

    def __str__(self):
        return str(self.company)

    @classmethod
    def for_company(cls, company) -> "StockoutPolicy":
        policy, _created = cls.objects.get_or_create(company=company)
        return policy


class StockoutRisk(models.Model):
    """A customer-SKU at risk of running out before its next delivery (metrics.md `oos_risk`), as the last
    refresh (`sales.stockouts.refresh_stockout_risks`) found it: nightly and after an order import."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="stockout_risks",
                                 verbose_name=_("customer"))
    sku = models.ForeignKey("catalog.Sku", on_delete=models.CASCADE, related_name="+", verbose_name=_("SKU"))
    stock = models.PositiveIntegerField(_("stock seen (条)"))
    ordered_4w = models.PositiveIntegerField(_("ordered in the 4 weeks before (条)"))
    days_of_cover = models.FloatField(_("days of cover"))
    observed_on = models.DateField(_("observed on"))
    run_out_on = models.DateField(_("runs out about"))
    next_order_day = models.DateField(_("next order day"), null=True, blank=True)
    computed_on = models.DateField(_("computed on"))

    class Meta:
        verbose_name = _("out-of-stock risk")
        verbose_name_plural = _("out-of-stock risks")
        ordering = ["run_out_on", "customer", "sku"]
        constraints = [models.UniqueConstraint(fields=["customer", "sku"], name="one_stockout_risk")]

    def __str__(self):
        return f"{self.customer_id} {self.sku_id}: {self.run_out_on}"
