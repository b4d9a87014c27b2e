from django.urls import path

from . import views

urlpatterns = [
    path("debtors/<int:pk>/data.<str:fmt>", views.debtor_export_view, name="debtor_export"),
    path("debtors/<int:pk>/anonymize/", views.debtor_anonymize_view, name="debtor_anonymize"),
    path("debtors/<int:pk>/habeas/new/", views.habeas_request_new_view, name="habeas_request_new"),
    path("habeas/", views.habeas_queue_view, name="habeas_queue"),
    path("habeas/<int:request_id>/", views.habeas_request_view, name="habeas_request"),
]
