"""Pages mounted at /p/<slug>/comms/."""

from django.urls import path

from . import views

urlpatterns = [
    path("outbox/", views.outbox_list, name="comms_outbox"),
    path("templates/", views.template_list, name="comms_template_list"),
    path("templates/<slug:code>/<str:channel>/<str:language>/", views.template_edit, name="comms_template_edit"),
    path("templates/<slug:code>/<str:channel>/<str:language>/preview/", views.template_preview,
         name="comms_template_preview"),
]
