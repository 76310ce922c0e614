from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from fieldcrm.customers.models import ChangeRequest, ClassificationChange, Customer, CustomerClass, FieldPolicy


@admin.register(Customer)
class CustomerAdmin(SimpleHistoryAdmin):
    list_display = ["customer_code", "name", "owner_name", "tier", "business_format", "manager", "status"]
    list_filter = ["status", "business_format", "market_type", "customer_class"]
    search_fields = ["customer_code", "name", "license_no", "phone"]
    list_select_related = ["manager"]

    # Profiles change only through the app (change requests, imports), which keep the optimistic lock,
    # the tier/class log and the verification dates; the admin shows them read-only.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CustomerClass)
class CustomerClassAdmin(admin.ModelAdmin):
    list_display = ["name", "sort_order", "company"]


@admin.register(FieldPolicy)
class FieldPolicyAdmin(admin.ModelAdmin):
    list_display = ["field", "manager_editable", "department", "company"]
    list_editable = ["manager_editable", "department"]


@admin.register(ChangeRequest)
class ChangeRequestAdmin(admin.ModelAdmin):
    list_display = ["pk", "customer", "field", "new_value", "status", "department", "proposed_by", "proposed_at"]
    list_filter = ["status", "department", "field"]
    raw_id_fields = ["customer"]


@admin.register(ClassificationChange)
class ClassificationChangeAdmin(admin.ModelAdmin):
    list_display = ["customer", "field", "old_value", "new_value", "changed_at", "source"]
    list_filter = ["field", "source"]
    raw_id_fields = ["customer"]
