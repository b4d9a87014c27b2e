from django.urls import path

from . import views

urlpatterns = [
    path("", views.portfolio_home, name="portfolio_home"),
    path("debtors/", views.debtor_list, name="debtor_list"),
    path("settings/", views.portfolio_settings, name="portfolio_settings"),
    path("debtors/export/", views.debtor_list_export_view, name="debtor_list_export"),
    path("debtors/filters/", views.saved_filter_add, name="saved_filter_add"),
    path("debtors/filters/<int:pk>/delete/", views.saved_filter_remove, name="saved_filter_delete"),
]
