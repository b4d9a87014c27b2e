"""Every model registered in the admin opens (changelist and, where allowed, the add form) for a superuser."""

import pytest
from django.contrib import admin
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_every_admin_page_opens(client, portfolio, django_user_model):
    user = django_user_model.objects.create_superuser("root", password="a-long-password-1")
    client.force_login(user)
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        assert client.get(url).status_code == 200, url
        if model_admin.has_add_permission(type("R", (), {"user": user})()):
            add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
            assert client.get(add).status_code == 200, add
