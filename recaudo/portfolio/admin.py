from django import forms
from django.contrib import admin

from .models import Consent, Contact, Debtor, Obligation, ObligationParty, Portfolio
from .rules import slug_problem
from .services import refresh_search_text


class PortfolioAdminForm(forms.ModelForm):
    class Meta:
        model = Portfolio
        fields = "__all__"  # noqa: DJ007 (the admin shows every field; readonly ones are excluded by the admin)

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if (problem := slug_problem(slug)) is not None:
            raise forms.ValidationError(problem)
        return slug


@admin.register(Portfolio)
class PortfolioAdmin(admin.ModelAdmin):
    form = PortfolioAdminForm
    list_display = ("name", "slug", "creditor", "country", "currency", "money_exponent", "timezone",
                    "allocation_mode")
    search_fields = ("name", "slug", "creditor")
    # The exponent the amounts are stored with is recorded once, at creation (decision 0008): never edited.
    readonly_fields = ("money_exponent", "created_at")


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ("channel", "value", "role", "holder_name", "city", "is_primary")


@admin.register(Debtor)
class DebtorAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "portfolio", "kind", "id_type", "id_number", "balance_minor", "oldest_due_date")
    list_filter = ("portfolio", "kind", "disputed")
    search_fields = ("code", "name", "id_number")
    show_full_result_count = False
    list_select_related = ("portfolio",)
    inlines = [ContactInline]
    # Derived from the ledger: never edited by hand.
    readonly_fields = ("balance_minor", "open_count", "oldest_due_date", "disputed", "credit_minor", "search_text",
                       "anonymized_at", "created_at", "updated_at")

    def save_related(self, request, form, formsets, change):
        # The debtor and its contacts are saved: rebuild the search text so old values no longer find it.

        super().save_related(request, form, formsets, change)
        refresh_search_text(form.instance)


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    list_display = ("contact", "channel", "status", "at", "source")
    list_filter = ("channel", "status")
    raw_id_fields = ("contact",)


class PartyInline(admin.TabularInline):
    model = ObligationParty
    fk_name = "obligation"
    extra = 0
    raw_id_fields = ("debtor",)


@admin.register(Obligation)
class ObligationAdmin(admin.ModelAdmin):
    """Amounts and balances come from the ledger; change them with ledger entries, not here."""

    list_display = ("number", "debtor", "portfolio", "kind", "due_date", "original_minor", "balance_minor", "status")
    list_filter = ("portfolio", "kind", "status", "disputed")
    search_fields = ("number", "debtor__code", "debtor__name")
    show_full_result_count = False
    raw_id_fields = ("debtor",)
    list_select_related = ("debtor", "portfolio")
    inlines = [PartyInline]
    readonly_fields = ("original_minor", "currency", "balance_minor", "status", "created_at", "updated_at")

    def get_readonly_fields(self, request, obj=None):
        # An obligation's debtor and portfolio never change (its ledger entries carry them; the database refuses).
        fields = super().get_readonly_fields(request, obj)
        return (*fields, "debtor", "portfolio") if obj is not None else fields

    def has_delete_permission(self, request, obj=None):
        return False
