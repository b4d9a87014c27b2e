"""API tokens in the Django admin: listed with their scope, portfolios and last use, revocable (audited through
token_revoke). Tokens are created with `recaudo api-token create`, which prints the secret once."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .models import ApiToken
from .services import token_revoke


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "scope", "user", "rate_per_minute", "last_used_at", "revoked_at", "created_at")
    list_filter = ("scope", "revoked_at")
    search_fields = ("name", "prefix")
    readonly_fields = [*(f.name for f in ApiToken._meta.fields if f.name not in ("id", "secret_hash")), "portfolios"]
    exclude = ("secret_hash",)
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        for token in queryset:
            token_revoke(token=token, actor=request.user)
        messages.success(request, _("Tokens revoked: %(count)d") % {"count": queryset.count()})
