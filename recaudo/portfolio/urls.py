from django.urls import path

from . import views

urlpatterns = [
    path("debtors/", views.debtor_list, name="debtor_list"),
    path("settings/", views.portfolio_settings, name="portfolio_settings"),
]
