from django.urls import path

from . import views

urlpatterns = [
    path("debtors/<int:pk>/data.<str:fmt>", views.debtor_export_view, name="debtor_export"),
    path("debtors/<int:pk>/anonymize/", views.debtor_anonymize_view, name="debtor_anonymize"),
]
