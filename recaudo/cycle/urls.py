from django.urls import path

from . import views

urlpatterns = [
    path("today/", views.today_view, name="cycle_today"),
    path("strategies/versions/<int:version_id>/dry-run/", views.version_dry_run_view, name="strategy_dry_run"),
]
