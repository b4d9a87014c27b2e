from django.contrib import admin

from .models import LegalRate


@admin.register(LegalRate)
class LegalRateAdmin(admin.ModelAdmin):
    """Editable: a compliance officer adds each new month's certified rates here."""

    list_display = ("country", "rate_type", "valid_from", "valid_to", "rate_ea_pct", "resolution", "confirmed")
    list_filter = ("country", "rate_type", "confirmed")
    search_fields = ("resolution",)
    date_hierarchy = "valid_from"
    ordering = ("country", "-valid_from", "rate_type")
    readonly_fields = ("updated_at",)
