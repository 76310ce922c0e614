from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from fieldcrm.org.models import ApiToken, Company, Department, MarketingArea, PersonalDataExport, Territory, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "full_name", "employee_no", "role", "area", "department", "is_active"]
    list_filter = ["role", "area", "department", "is_active"]
    search_fields = ["username", "full_name", "employee_no"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (_("FieldCRM"), {"fields": ["full_name", "employee_no", "role", "company", "area", "department", "mobile"]}),
    ]


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]


@admin.register(MarketingArea)
class MarketingAreaAdmin(admin.ModelAdmin):
    list_display = ["name", "company"]


@admin.register(Territory)
class TerritoryAdmin(admin.ModelAdmin):
    list_display = ["name", "area"]
    list_filter = ["area"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "company"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Every user's tokens, to list and revoke. New tokens are made where the secret can be shown once: the
    user's own "my account" page or `manage.py create_api_token`."""

    list_display = ["user", "name", "prefix", "created_at", "last_used_at", "expires_at", "state"]
    list_filter = ["revoked"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__full_name", "name", "prefix"]
    fields = ("user", "name", "prefix", "created_at", "last_used_at", "expires_at", "state", "revoked_at")
    readonly_fields = fields
    actions = ["revoke"]

    @admin.display(description=_("state"))
    def state(self, token):
        return token.state_label

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        now = timezone.now()
        count = queryset.filter(revoked=False).update(revoked=True, revoked_at=now)
        self.message_user(request, ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", count)
                          % {"count": count})

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PersonalDataExport)
class PersonalDataExportAdmin(admin.ModelAdmin):
    list_display = ["exported_at", "user", "kind", "row_count", "channel", "filters"]
    list_filter = ["kind", "channel"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
