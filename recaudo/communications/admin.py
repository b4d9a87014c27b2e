from django.contrib import admin

from .models import Message, Template, TemplateRevision


@admin.register(Template)
class TemplateAdmin(admin.ModelAdmin):
    list_display = ("code", "channel", "language", "portfolio", "version", "active")
    list_filter = ("channel", "language", "active")


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """The outbox is written by the cycle and the workers; the admin shows it."""

    list_display = ("id", "portfolio", "debtor", "channel", "status", "attempts", "next_attempt_at")
    list_filter = ("status", "channel", "portfolio")
    raw_id_fields = ("debtor",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(TemplateRevision)
class TemplateRevisionAdmin(admin.ModelAdmin):
    """Agents' template edits and their decisions; decided on the approvals page, the admin only shows them."""

    list_display = ("id", "portfolio", "code", "channel", "language", "status", "submitted_by", "submitted_at",
                    "decided_by")
    list_filter = ("status", "channel", "portfolio")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
