from django.contrib import admin

from fieldcrm.notices.models import Notice


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "kind", "text", "read_at"]
    list_filter = ["kind"]
    search_fields = ["recipient__username", "text"]
    list_select_related = ["recipient"]
    readonly_fields = ["recipient", "kind", "args", "text", "link", "created_at", "read_at"]

    def has_add_permission(self, request):
        return False
