from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from fieldcrm.catalog.models import Brand, Sku


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Sku)
class SkuAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "brand", "wholesale_price", "retail_price", "price_class", "status"]
    list_filter = ["price_class", "status", "brand"]
    search_fields = ["code", "name", "barcode"]
