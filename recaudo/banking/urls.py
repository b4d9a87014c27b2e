from django.urls import path

from . import views

urlpatterns = [
    path("", views.bank_upload, name="bank_upload"),
    path("queue/", views.bank_queue, name="bank_queue"),
    path("mappings/", views.bank_mappings, name="bank_mappings"),
    path("queue/<int:line_id>/apply/", views.bank_line_apply_view, name="bank_line_apply"),
    path("queue/<int:line_id>/dismiss/", views.bank_line_dismiss_view, name="bank_line_dismiss"),
]
