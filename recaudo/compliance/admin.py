from django.contrib import admin

from .models import ComplianceDecision, ContactAttempt


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ComplianceDecision)
class ComplianceDecisionAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "country", "action", "at", "allowed", "next_allowed_at", "debtor", "rule_version")
    list_filter = ("allowed", "country", "action", "rule_version", "portfolio")
    search_fields = ("debtor__code", "debtor__name", "actor_label")
    readonly_fields = [f.name for f in ComplianceDecision._meta.fields]


@admin.register(ContactAttempt)
class ContactAttemptAdmin(ReadOnlyAdmin):
    list_display = ("at", "channel", "effective", "outcome", "debtor", "portfolio", "created_by")
    list_filter = ("channel", "effective", "outcome", "portfolio")
    search_fields = ("debtor__code", "debtor__name")
    readonly_fields = [f.name for f in ContactAttempt._meta.fields]
