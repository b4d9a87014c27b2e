from django.contrib import admin

from .models import AgentTask


@admin.register(AgentTask)
class AgentTaskAdmin(admin.ModelAdmin):
    list_display = ("id", "portfolio", "debtor", "kind", "due_at", "status", "assigned_to")
    list_filter = ("kind", "status", "portfolio")
    raw_id_fields = ("debtor", "assigned_to", "created_by_step")
