from django.contrib import admin

from .models import ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ("id", "portfolio", "kind", "filename", "status", "rows_done", "created_by", "created_at")
    list_filter = ("status", "kind", "portfolio")
    readonly_fields = [f.name for f in ImportJob._meta.fields]

    def has_add_permission(self, request):
        return False
