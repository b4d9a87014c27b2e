"""Pages mounted at /p/<slug>/comms/."""

from django.urls import path

from . import views

urlpatterns = [
    path("outbox/", views.outbox_list, name="comms_outbox"),
    path("outbox/<int:pk>/", views.message_view, name="comms_message"),
    path("templates/", views.template_list, name="comms_template_list"),
    path("templates/approvals/", views.template_approvals, name="comms_template_approvals"),
    path("templates/approvals/<int:pk>/", views.template_revision_decide_view, name="comms_template_decide"),
    path("templates/<slug:code>/<str:channel>/<str:language>/", views.template_edit, name="comms_template_edit"),
    path("templates/<slug:code>/<str:channel>/<str:language>/preview/", views.template_preview,
         name="comms_template_preview"),
]
