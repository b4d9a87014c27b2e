from django.contrib import admin

from .models import AgreementSettings, AuthorityLimit, Offer, Promise


@admin.register(AuthorityLimit)
class AuthorityLimitAdmin(admin.ModelAdmin):
    """Per portfolio and role: maximum discount %, installments and term (empty = no limit), and whether the role
    may grant a plan that charges interest. Without a row the safe defaults apply (agent 0 %/6/6 without interest:
    any forgiveness or interest-bearing plan waits for a supervisor; supervisor 30 %/24/24 with interest; admin
    unlimited)."""

    list_display = ("portfolio", "role", "max_discount_pct", "max_installments", "max_term_months", "interest_plans")
    list_filter = ("role",)


@admin.register(AgreementSettings)
class AgreementSettingsAdmin(admin.ModelAdmin):
    """Per portfolio: how promises are judged, when an agreement breaks, and what a debtor may promise or accept
    alone in the portal (the self-service fields; docs/portal-actions.md)."""

    list_display = ("portfolio", "promise_tolerance_pct", "promise_grace_days", "breach_installments",
                    "breach_days", "breach_clause", "self_promise_max_days", "self_promise_min_pct",
                    "self_plan_max_installments", "self_plan_min_down_pct", "self_plan_rate")


@admin.register(Promise)
class PromiseAdmin(admin.ModelAdmin):
    list_display = ("debtor", "amount_minor", "due_date", "status", "source", "channel")
    list_filter = ("status", "source")
    readonly_fields = [f.name for f in Promise._meta.fields]


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    list_display = ("pk", "debtor", "kind", "status", "discount_pct", "installments", "term_months")
    list_filter = ("status", "kind")
    readonly_fields = [f.name for f in Offer._meta.fields]
