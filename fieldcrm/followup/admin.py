"""Admin: needs are shown read-only; they change only through followup/actions.py (deadline from the
standard, validation, feedback time)."""

from django.contrib import admin

from fieldcrm.followup.models import Demand


@admin.register(Demand)
class DemandAdmin(admin.ModelAdmin):
    list_display = ["raised_at", "customer", "kind", "status", "due_at", "closed_at", "feedback_at", "raised_by"]
    list_filter = ["status", "kind"]
    search_fields = ["customer__customer_code", "customer__name", "description"]
    date_hierarchy = "raised_at"
    list_select_related = ["customer", "raised_by"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
