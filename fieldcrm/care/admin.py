from django.contrib import admin

from fieldcrm.care.models import ServiceItem, ServiceStandard, StandardItem


@admin.register(ServiceItem)
class ServiceItemAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "needs_visit", "active", "sort_order"]
    list_filter = ["kind", "active"]


class StandardItemInline(admin.TabularInline):
    model = StandardItem
    extra = 0


@admin.register(ServiceStandard)
class ServiceStandardAdmin(admin.ModelAdmin):
    list_display = ["customer_class", "visit_frequency", "response_hours"]
    inlines = [StandardItemInline]
