from django.contrib import admin

from .models import EarlyDiscount, Entry, FeeCharge, InterestAccrual, InterestSettings, LegalRate, Payment


class ReadOnlyAdmin(admin.ModelAdmin):
    """The ledger is append-only: the admin shows it; writes go through recaudo.ledger.services."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = ("value_date", "obligation", "kind", "component", "amount_minor", "memo", "created_at")
    list_filter = ("kind", "component", "portfolio")
    search_fields = ("obligation__number", "memo")
    show_full_result_count = False
    list_select_related = ("obligation",)


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("date", "debtor", "amount_minor", "unapplied_minor", "method", "reference", "source", "reversed_at")
    list_filter = ("source", "method", "portfolio")
    search_fields = ("reference", "source_ref", "debtor__code", "debtor__name")
    show_full_result_count = False
    list_select_related = ("debtor",)


@admin.register(InterestSettings)
class InterestSettingsAdmin(admin.ModelAdmin):
    """Per-portfolio late interest (method, contract rate, on/off), Peruvian financial lender flag and the
    early-payment discount. Changes apply from the next daily cycle."""

    list_display = ("portfolio", "interest_enabled", "method", "contract_rate_ea_pct", "early_discount_pct",
                    "early_discount_days", "updated_at")


@admin.register(InterestAccrual, FeeCharge, EarlyDiscount)
class PostedChargesAdmin(ReadOnlyAdmin):
    pass


@admin.register(LegalRate)
class LegalRateAdmin(admin.ModelAdmin):
    """Editable: a compliance officer adds each new month's certified rates here."""

    list_display = ("country", "rate_type", "valid_from", "valid_to", "rate_ea_pct", "resolution", "confirmed")
    list_filter = ("country", "rate_type", "confirmed")
    search_fields = ("resolution",)
    date_hierarchy = "valid_from"
    ordering = ("country", "-valid_from", "rate_type")
    readonly_fields = ("updated_at",)
