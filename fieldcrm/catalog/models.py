"""Cigarette brands and SKUs (卷烟规格) with their prices per 条 (carton)."""

from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class PriceClass(models.TextChoices):
    CLASS_1 = "1", _("Class I")
    CLASS_2 = "2", _("Class II")
    CLASS_3 = "3", _("Class III")
    CLASS_4 = "4", _("Class IV")
    CLASS_5 = "5", _("Class V")


# Lower bounds of the allocation (调拨) price per 条, 元, highest class first (domain.md).
PRICE_CLASS_FLOORS = [
    (Decimal("100"), PriceClass.CLASS_1),
    (Decimal("70"), PriceClass.CLASS_2),
    (Decimal("30"), PriceClass.CLASS_3),
    (Decimal("16.5"), PriceClass.CLASS_4),
    (Decimal("0"), PriceClass.CLASS_5),
]


def price_class_for(purchase_cost: Decimal) -> str:
    for floor, price_class in PRICE_CLASS_FLOORS:
        if purchase_cost >= floor:
            return price_class
    return PriceClass.CLASS_5


class Brand(models.Model):
    name = models.CharField(_("brand"), max_length=50, unique=True)

    class Meta:
        verbose_name = _("brand")
        verbose_name_plural = _("brands")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Sku(models.Model):
    class Status(models.TextChoices):
        ON_SALE = "on_sale", _("On sale")
        DISCONTINUED = "discontinued", _("Discontinued")

    code = models.CharField(_("SKU code"), max_length=30, unique=True)
    name = models.CharField(_("SKU name"), max_length=100)
    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="skus", verbose_name=_("brand"))
    barcode = models.CharField(_("barcode"), max_length=13, blank=True)
    wholesale_price = models.DecimalField(_("wholesale price (元/条)"), max_digits=10, decimal_places=2)
    retail_price = models.DecimalField(_("suggested retail price (元/条)"), max_digits=10, decimal_places=2)
    purchase_cost = models.DecimalField(_("allocation price (元/条)"), max_digits=10, decimal_places=2)
    price_class = models.CharField(_("price class"), max_length=1, choices=PriceClass.choices)
    manufacturer = models.CharField(_("manufacturer"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ON_SALE)
    # When the SKU came to market here: "new SKUs" on the visit checklist are those of the last 30 days.
    # Unknown (null) for the SKUs that existed before it was recorded.
    launched_on = models.DateField(_("launched on"), null=True, blank=True, default=timezone.localdate)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("SKU")
        verbose_name_plural = _("SKUs")
        ordering = ["brand__name", "name"]

    def __str__(self):
        return self.name


class PriceChange(models.Model):
    """A change of a SKU's wholesale or suggested retail price, made or coming (`effective_on` may be ahead):
    the news a manager gives retailers at the visit. The SKU import records one when it changes a price."""

    sku = models.ForeignKey(Sku, on_delete=models.CASCADE, related_name="price_changes", verbose_name=_("SKU"))
    effective_on = models.DateField(_("effective on"))
    old_wholesale_price = models.DecimalField(_("old wholesale price (元/条)"), max_digits=10, decimal_places=2)
    new_wholesale_price = models.DecimalField(_("new wholesale price (元/条)"), max_digits=10, decimal_places=2)
    old_retail_price = models.DecimalField(_("old retail price (元/条)"), max_digits=10, decimal_places=2)
    new_retail_price = models.DecimalField(_("new retail price (元/条)"), max_digits=10, decimal_places=2)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("price change")
        verbose_name_plural = _("price changes")
        ordering = ["-effective_on", "-pk"]
        indexes = [models.Index(fields=["effective_on"])]

    def __str__(self):
        return f"{self.sku_id} {self.effective_on}"
