"""Import of the cigarette SKU catalogue, as docs/import-formats.md (shared) describes."""

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fieldcrm.catalog.models import Brand, PriceChange, PriceClass, Sku, price_class_for
from fieldcrm.imports.flow import Column, RowProblems, SheetImport, display
from fieldcrm.lib import cleaning
from fieldcrm.lib.cleaning import CleanError

PRICE_CLASS_WORDS = {"一类": "1", "二类": "2", "三类": "3", "四类": "4", "五类": "5"}
PRICE_CLASS_MAPPING = {**PRICE_CLASS_WORDS, **{c.value: c.value for c in PriceClass}}
STATUS_MAPPING = {"在销": Sku.Status.ON_SALE, "停销": Sku.Status.DISCONTINUED, "on_sale": Sku.Status.ON_SALE,
                  "on sale": Sku.Status.ON_SALE, "discontinued": Sku.Status.DISCONTINUED}
ATTRS = ("name", "brand", "barcode", "wholesale_price", "retail_price", "purchase_cost", "price_class",
         "manufacturer", "status")


def clean_barcode(value) -> str:
    text = cleaning.fold_width(display(value)).strip()
    if len(text) != 13 or not text.isdigit():
        raise CleanError(gettext_lazy("a barcode has 13 digits"))
    digits = [int(d) for d in text]
    check = (10 - sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits[:12])) % 10) % 10
    if check != digits[12]:
        raise CleanError(gettext_lazy("the barcode's check digit is wrong"))
    return text


def clean_price(value) -> Decimal:
    price = cleaning.parse_decimal(value)
    if price <= 0:
        raise CleanError(gettext_lazy("a price must be above 0"))
    return price.quantize(Decimal("0.01"))


COLUMNS = [
    Column("sku_code", ("卷烟编码", "商品编码", "sku_code", "sku code"), True, lambda v: cleaning.clean_code(v, 30),
           rule=gettext_lazy("unique; letters and digits")),
    Column("name", ("卷烟名称", "规格", "sku_name", "name"), True, lambda v: cleaning.clean_text(v, 100),
           rule=gettext_lazy("at most 100 characters")),
    Column("brand", ("品牌", "brand"), True, lambda v: cleaning.clean_text(v, 50),
           rule=gettext_lazy("at most 50 characters")),
    Column("barcode", ("条码", "barcode"), False, clean_barcode,
           rule=gettext_lazy("13 digits with a valid EAN-13 check digit")),
    Column("wholesale_price", ("批发价", "wholesale_price"), True, clean_price,
           rule=gettext_lazy("元/条, above 0")),
    Column("retail_price", ("建议零售价", "零售指导价", "retail_price"), True, clean_price,
           rule=gettext_lazy("元/条, at least the wholesale price")),
    Column("purchase_cost", ("调拨价", "成本价", "purchase_cost"), True, clean_price,
           rule=gettext_lazy("元/条, above 0")),
    Column("price_class", ("价类", "price_class"), False, lambda v: cleaning.parse_choice(v, PRICE_CLASS_MAPPING),
           rule=gettext_lazy("一类…五类; from the allocation price when absent")),
    Column("manufacturer", ("生产企业", "manufacturer"), False, lambda v: cleaning.clean_text(v, 100),
           rule=gettext_lazy("at most 100 characters")),
    Column("status", ("状态", "status"), False, lambda v: cleaning.parse_choice(v, STATUS_MAPPING),
           rule=gettext_lazy("在销 or 停销")),
]


class SkuImport(SheetImport):
    columns = COLUMNS
    key_field = "code"
    key_column = "sku_code"
    kind = "skus"
    label = gettext_lazy("SKUs")

    def prepare(self, present_fields):
        self.present = present_fields
        self.brands = dict(Brand.objects.values_list("name", "pk"))
        self.stored = {}
        for sku in Sku.objects.select_related("brand"):
            self.stored[sku.code] = sku

    def clean_row(self, raw):
        cleaned, problems = self.clean_columns(raw)
        wholesale, retail = cleaned.get("wholesale_price"), cleaned.get("retail_price")
        if wholesale and retail and retail < wholesale:
            problems.append(("retail_price", _("the retail price is below the wholesale price")))
        if problems:
            raise RowProblems(problems)
        attrs = {
            "code": cleaned["sku_code"],
            "name": cleaned["name"],
            "brand": cleaned["brand"],
            "wholesale_price": wholesale,
            "retail_price": retail,
            "purchase_cost": cleaned["purchase_cost"],
            "price_class": cleaned.get("price_class") or price_class_for(cleaned["purchase_cost"]),
        }
        for name, default in (("barcode", ""), ("manufacturer", ""), ("status", Sku.Status.ON_SALE)):
            if name in raw:
                attrs[name] = cleaned.get(name) or default
        return attrs

    def classify(self, key, cleaned):
        sku = self.stored.get(key)
        if sku is None:
            return "new"
        for name in ATTRS:
            if name not in cleaned:
                continue
            current = sku.brand.name if name == "brand" else getattr(sku, name)
            if current != cleaned[name]:
                return "updated"
        return "unchanged"

    def _brand(self, name):
        if name not in self.brands:
            self.brands[name] = Brand.objects.create(name=name).pk
        return self.brands[name]

    def write(self, new_rows, updated_rows):
        for attrs in new_rows:
            fields = {name: value for name, value in attrs.items() if name != "brand"}
            sku = Sku(brand_id=self._brand(attrs["brand"]), **fields)
            sku._change_reason = "import"  # type: ignore[attr-defined]  # read by simple-history on save
            sku._history_user = self.user  # type: ignore[attr-defined]
            sku.save()
        for attrs in updated_rows:
            sku = self.stored[attrs["code"]]
            self._record_price_change(sku, attrs)
            for name, value in attrs.items():
                if name == "brand":
                    sku.brand_id = self._brand(value)
                else:
                    setattr(sku, name, value)
            sku._change_reason = "import"  # type: ignore[attr-defined]  # read by simple-history on save
            sku._history_user = self.user  # type: ignore[attr-defined]
            sku.save()

    def _record_price_change(self, sku, attrs):
        """A changed wholesale or retail price is news for the retailers (the visit checklist): it is logged,
        effective on the day of the import (the file has no effective date)."""
        wholesale = attrs.get("wholesale_price", sku.wholesale_price)
        retail = attrs.get("retail_price", sku.retail_price)
        if wholesale == sku.wholesale_price and retail == sku.retail_price:
            return
        PriceChange.objects.create(sku=sku, effective_on=timezone.localdate(),
                                   old_wholesale_price=sku.wholesale_price, new_wholesale_price=wholesale,
                                   old_retail_price=sku.retail_price, new_retail_price=retail)
