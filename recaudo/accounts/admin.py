from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Membership
from .services import login_unlock, two_factor_reset


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "portfolio", "role", "created_at")
    list_filter = ("role", "portfolio")
    search_fields = ("user__username", "portfolio__name")


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class RecaudoUserAdmin(UserAdmin):
    """Django's user admin plus two audited actions: lift a sign-in lockout, reset two-step verification.
    (Failed sign-ins themselves are listed under Axes: "Access attempts"; the devices under OTP_TOTP/OTP_Static.)"""

    actions = ["unlock_sign_in", "reset_two_factor"]

    @admin.action(description=_("Unlock sign-in (forget failed attempts)"))
    def unlock_sign_in(self, request, queryset):
        records = sum(login_unlock(username=user.get_username(), actor=request.user) for user in queryset)
        self.message_user(request, ngettext("%(count)d failed-attempt record removed.",
                                            "%(count)d failed-attempt records removed.", records)
                          % {"count": records}, messages.SUCCESS)

    @admin.action(description=_("Reset two-step verification (lost phone)"))
    def reset_two_factor(self, request, queryset):
        for user in queryset:
            two_factor_reset(user=user, actor=request.user)
        count = queryset.count()
        self.message_user(request, ngettext("Two-step verification reset for %(count)d user.",
                                            "Two-step verification reset for %(count)d users.", count)
                          % {"count": count}, messages.SUCCESS)
