"""Admin: needs are shown read-only with their timeline; they change only through followup/actions.py
(deadline from the standard, routing, validation, timeline, notices). The routing of kinds to departments
is the company's setting, edited here (a kind without a row goes to followup.models.DEFAULT_ROUTES's)."""

from django.contrib import admin

from fieldcrm.followup.models import Demand, DemandRoute, DemandStep


class DemandStepInline(admin.TabularInline):
    model = DemandStep
    extra = 0
    can_delete = False
    readonly_fields = ["action", "by", "at", "note"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Demand)
class DemandAdmin(admin.ModelAdmin):
    list_display = ["raised_at", "customer", "kind", "department", "status", "due_at", "escalated_at",
                    "feedback_at", "raised_by"]
    list_filter = ["status", "kind", "department"]
    search_fields = ["customer__customer_code", "customer__name", "description"]
    date_hierarchy = "raised_at"
    list_select_related = ["customer", "raised_by", "department"]
    inlines = [DemandStepInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(DemandRoute)
class DemandRouteAdmin(admin.ModelAdmin):
    list_display = ["company", "kind", "department"]
    list_filter = ["company"]
    list_select_related = ["company", "department"]
