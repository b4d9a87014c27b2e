from django.urls import path

from . import views

urlpatterns = [
    path("debtors/<int:pk>/", views.debtor_detail, name="debtor_detail"),
    path("debtors/<int:pk>/payment/", views.payment_new, name="payment_new"),
    path("payments/<int:payment_id>/receipt.pdf", views.payment_receipt, name="payment_receipt"),
    path("payments/<int:payment_id>/reverse/", views.payment_reverse, name="payment_reverse"),
]
