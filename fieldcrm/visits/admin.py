"""Admin: the planning policy is configuration; plans are shown read-only (they change only through
visits/actions.py, which keeps the change log and the approval rules)."""

from django.contrib import admin

from fieldcrm.visits.models import (
    ChecklistAnswer,
    PlanChange,
    PlannedVisit,
    PlanningJob,
    PlanningPolicy,
    SkuObservation,
    Visit,
    VisitOpinion,
    WeekPlan,
)


@admin.register(PlanningPolicy)
class PlanningPolicyAdmin(admin.ModelAdmin):
    list_display = ["company", "working_days", "day_start", "day_minutes", "max_visits_per_day", "submit_weekday",
                    "submit_time", "checkin_radius_m"]


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PlannedVisitInline(ReadOnlyInline):
    model = PlannedVisit
    fields = ["day", "sequence", "customer", "arrival", "problems", "ad_hoc"]
    readonly_fields = fields


class PlanChangeInline(ReadOnlyInline):
    model = PlanChange
    fields = ["at", "by", "kind", "customer", "from_day", "to_day", "reason", "ad_hoc"]
    readonly_fields = fields


@admin.register(WeekPlan)
class WeekPlanAdmin(admin.ModelAdmin):
    list_display = ["week_start", "manager", "status", "submitted_at", "submitted_late", "decided_by"]
    list_filter = ["status", "week_start", "submitted_late"]
    inlines = [PlannedVisitInline, PlanChangeInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(PlanningJob)
class PlanningJobAdmin(admin.ModelAdmin):
    list_display = ["pk", "week_start", "manager", "status", "attempts", "error", "finished_at"]
    list_filter = ["status", "week_start"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


class VisitOpinionInline(ReadOnlyInline):
    model = VisitOpinion
    fields = ["topic", "text"]
    readonly_fields = fields


class SkuObservationInline(ReadOnlyInline):
    model = SkuObservation
    fields = ["sku", "stock_cartons", "retail_price", "sales_last_week_cartons", "price_tag_ok"]
    readonly_fields = fields


class ChecklistAnswerInline(ReadOnlyInline):
    model = ChecklistAnswer
    fields = ["code", "kind", "text", "done", "note"]
    readonly_fields = fields


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    """Recorded visits are evidence of work done at the store: read-only, written only by the phone
    (visits/fieldwork.py)."""

    list_display = ["checked_in_at", "manager", "customer", "on_site", "distance_m", "ad_hoc", "checked_out_at"]
    list_filter = ["on_site", "ad_hoc", "checked_in_at"]
    search_fields = ["customer__customer_code", "customer__name", "manager__username"]
    raw_id_fields = ["customer", "manager", "planned_visit"]
    inlines = [VisitOpinionInline, SkuObservationInline, ChecklistAnswerInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
