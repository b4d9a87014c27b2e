from django.urls import path

from . import certificate_views, views

urlpatterns = [
    path("debtors/<int:pk>/", views.debtor_detail, name="debtor_detail"),
    path("debtors/<int:pk>/payment/", views.payment_new, name="payment_new"),
    path("debtors/<int:pk>/note/", views.debtor_note_new, name="debtor_note_new"),
    path("debtors/<int:pk>/contacts/new/", views.contact_edit, name="contact_new"),
    path("debtors/<int:pk>/contacts/<int:contact_id>/", views.contact_edit, name="contact_edit"),
    path("debtors/<int:pk>/obligations/<int:obligation_id>/dispute/", views.obligation_dispute,
         name="obligation_dispute"),
    path("debtors/<int:pk>/documents/new/", views.document_new, name="document_new"),
    path("debtors/<int:pk>/documents/<int:document_id>/", views.document_download, name="document_download"),
    path("debtors/<int:pk>/statement/send/", views.statement_send_now, name="statement_send"),
    path("debtors/<int:pk>/certificates/paz-y-salvo/", certificate_views.certificate_no_debt_new,
         name="certificate_no_debt_new"),
    path("debtors/<int:pk>/certificates/debt/", certificate_views.certificate_debt_new, name="certificate_debt_new"),
    path("certificates/debt-batch/", certificate_views.certificate_debt_batch, name="certificate_debt_batch"),
    path("certificates/<int:certificate_id>.pdf", certificate_views.certificate_pdf, name="certificate_pdf"),
    path("payments/<int:payment_id>/receipt.pdf", views.payment_receipt, name="payment_receipt"),
    path("payments/<int:payment_id>/reverse/", views.payment_reverse, name="payment_reverse"),
    # the agreement's document: agreements' PDF with banking's payment reference (a layer above agreements)
    path("agreements/<int:pk>/pdf/", views.agreement_pdf, name="agreement_pdf"),
]
