from django.contrib import admin

from fieldcrm.sales.models import StockoutPolicy, StockoutRisk, TierReview, TierRule


@admin.register(TierRule)
class TierRuleAdmin(admin.ModelAdmin):
    list_display = ("company", "volume_weight", "value_weight", "price_weight", "weeks", "review_period",
                    "last_review_on", "default_tier", "max_jump")


@admin.register(StockoutPolicy)
class StockoutPolicyAdmin(admin.ModelAdmin):
    list_display = ("company", "delivery_lead_days")


@admin.register(TierReview)
class TierReviewAdmin(admin.ModelAdmin):
    list_display = ("customer", "old_tier", "new_tier", "status", "proposed_at", "decided_by", "decided_at")
    list_filter = ("status",)
    raw_id_fields = ("customer",)
    readonly_fields = ("customer", "old_tier", "new_tier", "reason", "status", "proposed_at", "decided_by",
                       "decided_at")


@admin.register(StockoutRisk)
class StockoutRiskAdmin(admin.ModelAdmin):
    list_display = ("customer", "sku", "stock", "ordered_4w", "days_of_cover", "observed_on", "run_out_on",
                    "next_order_day", "computed_on")
    raw_id_fields = ("customer", "sku")
