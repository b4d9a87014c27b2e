from django.urls import path

from . import views

urlpatterns = [
    path("", views.bank_upload, name="bank_upload"),
    path("uploads/<int:upload_id>/", views.bank_upload_detail, name="bank_upload_detail"),
    path("queue/", views.bank_queue, name="bank_queue"),
    path("mappings/", views.bank_mappings, name="bank_mappings"),
    path("queue/<int:line_id>/apply/", views.bank_line_apply_view, name="bank_line_apply"),
    path("queue/<int:line_id>/accept/", views.bank_line_accept_view, name="bank_line_accept"),
    path("queue/<int:line_id>/split/", views.bank_line_split_view, name="bank_line_split"),
    path("queue/<int:line_id>/dismiss/", views.bank_line_dismiss_view, name="bank_line_dismiss"),
    path("receipts/", views.receipts_queue, name="receipts_queue"),
    path("receipts/<int:receipt_id>/approve/", views.receipt_approve_view, name="receipt_approve"),
    path("receipts/<int:receipt_id>/reject/", views.receipt_reject_view, name="receipt_reject"),
    path("convenios/", views.convenio_list, name="convenio_list"),
    path("convenios/new/", views.convenio_edit, name="convenio_new"),
    path("convenios/<int:convenio_id>/", views.convenio_edit, name="convenio_edit"),
    path("convenios/<int:convenio_id>/active/", views.convenio_active_view, name="convenio_active"),
    path("convenios/<int:convenio_id>/billing/", views.convenio_billing, name="convenio_billing"),
    path("references/", views.reference_kind_view, name="reference_kind"),
    path("references/assign/", views.references_assign_view, name="references_assign"),
    path("references/score/", views.auto_apply_score_view, name="auto_apply_score"),
    path("gateways/", views.gateway_list, name="gateway_list"),
    path("gateways/<str:provider>/", views.gateway_edit, name="gateway_edit"),
    path("debtors/<int:pk>/payment-links/", views.debtor_payment_links, name="payment_links"),
    path("payment-links/<int:link_id>/cancel/", views.payment_link_cancel_view, name="payment_link_cancel"),
    path("applied/", views.bank_applied, name="bank_applied"),
    path("applied/<int:line_id>/undo/", views.bank_line_undo_view, name="bank_line_undo"),
]
