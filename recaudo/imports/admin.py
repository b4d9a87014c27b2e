from django.contrib import admin

from .models import ImportJob, ImportProfile


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ("id", "portfolio", "kind", "filename", "status", "rows_done", "created_by", "created_at")
    list_filter = ("status", "kind", "portfolio")
    readonly_fields = [f.name for f in ImportJob._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(ImportProfile)
class ImportProfileAdmin(admin.ModelAdmin):
    list_display = ("name", "portfolio", "kind", "header_row", "separator", "created_by", "created_at")
    list_filter = ("kind", "portfolio")
    readonly_fields = ("created_by", "created_at", "updated_at")
