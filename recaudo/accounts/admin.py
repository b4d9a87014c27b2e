from django.contrib import admin

from .models import Membership


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "portfolio", "role", "created_at")
    list_filter = ("role", "portfolio")
    search_fields = ("user__username", "portfolio__name")
