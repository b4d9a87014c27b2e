from django.urls import path

from . import views

urlpatterns = [
    path("", views.strategy_list, name="strategy_list"),
    path("<int:pk>/", views.strategy_detail, name="strategy_detail"),
    path("<int:pk>/export.yaml", views.strategy_export, name="strategy_export"),
    path("<int:pk>/import/", views.strategy_import_view, name="strategy_import"),
    path("<int:pk>/challenger/", views.strategy_challenger, name="strategy_challenger"),
    path("<int:pk>/steps/<slug:key>/", views.step_edit, name="strategy_step_edit"),
    path("segments/", views.segment_list, name="segment_list"),
    path("segments/add/", views.segment_edit, name="segment_add"),
    path("segments/<int:pk>/", views.segment_edit, name="segment_edit"),
    path("segments/<int:pk>/move/", views.segment_move_view, name="segment_move"),
    path("segments/<int:pk>/delete/", views.segment_delete_view, name="segment_delete"),
    path("holds/", views.hold_list, name="hold_list"),
    path("holds/<int:hold_id>/release/", views.hold_release_view, name="hold_release"),
]
