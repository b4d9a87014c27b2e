from django.contrib import admin

from .models import (
    AgentTask,
    Assignment,
    CallScript,
    DailyTarget,
    Disposition,
    Interaction,
    MonthlyTarget,
    WorkspaceSettings,
)


@admin.register(AgentTask)
class AgentTaskAdmin(admin.ModelAdmin):
    list_display = ("id", "portfolio", "debtor", "kind", "due_at", "status", "assigned_to")
    list_filter = ("kind", "status", "portfolio")
    raw_id_fields = ("debtor", "assigned_to", "created_by_step")


@admin.register(Disposition)
class DispositionAdmin(admin.ModelAdmin):
    list_display = [f.name for f in Disposition._meta.fields if f.name != "id"][:8]


@admin.register(CallScript, WorkspaceSettings, DailyTarget, MonthlyTarget)
class AgentConfigAdmin(admin.ModelAdmin):
    pass


@admin.register(Assignment, Interaction)
class AgentRecordsAdmin(admin.ModelAdmin):
    def has_change_permission(self, request, obj=None):
        return False
