from django.contrib import admin

from fieldcrm.care.models import Promotion, ServiceItem, ServicePolicy, ServiceStandard, ServiceTask, StandardItem


@admin.register(ServicePolicy)
class ServicePolicyAdmin(admin.ModelAdmin):
    list_display = ["company", "license_notice_days", "tier_change_follow_up_days", "default_response_hours",
                    "festival_greeting_days_before"]


@admin.register(ServiceItem)
class ServiceItemAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "needs_visit", "active", "sort_order"]
    list_filter = ["kind", "active"]


class StandardItemInline(admin.TabularInline):
    model = StandardItem
    extra = 0


@admin.register(ServiceStandard)
class ServiceStandardAdmin(admin.ModelAdmin):
    list_display = ["customer_class", "visit_frequency", "response_hours", "visit_minutes"]
    inlines = [StandardItemInline]


@admin.register(ServiceTask)
class ServiceTaskAdmin(admin.ModelAdmin):
    list_display = ["due_date", "customer", "item", "source", "status", "cancel_reason"]
    list_filter = ["status", "source", "item", "cancel_reason"]
    raw_id_fields = ["customer"]
    date_hierarchy = "due_date"
    # Re-planning writes these from the catalogue and the promotions (care/actions.py).
    readonly_fields = ["subject", "cancel_reason", "cancelled_at"]


@admin.register(Promotion)
class PromotionAdmin(admin.ModelAdmin):
    list_display = ["name", "starts_on", "ends_on", "tier_min", "tier_max", "business_formats"]
    date_hierarchy = "starts_on"
