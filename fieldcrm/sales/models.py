"""Order lines from the ordering system and the managers' sales targets."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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
