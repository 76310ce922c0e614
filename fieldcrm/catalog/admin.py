from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from fieldcrm.catalog.models import Brand, PriceChange, Sku


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Sku)
class SkuAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "brand", "wholesale_price", "retail_price", "price_class", "status", "launched_on"]
    list_filter = ["price_class", "status", "brand"]
    search_fields = ["code", "name", "barcode"]


@admin.register(PriceChange)
class PriceChangeAdmin(admin.ModelAdmin):
    """Coming price changes are entered here (the import records those it makes, effective on its day)."""

    list_display = ["sku", "effective_on", "old_wholesale_price", "new_wholesale_price", "old_retail_price",
                    "new_retail_price", "recorded_at"]
    list_filter = ["effective_on"]
    search_fields = ["sku__code", "sku__name"]
    raw_id_fields = ["sku"]
