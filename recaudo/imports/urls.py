from django.urls import path

from . import views

urlpatterns = [
    path("", views.import_list, name="import_list"),
    path("map/<str:key>/", views.import_mapping, name="import_mapping"),
    path("<int:job_id>/", views.import_detail, name="import_detail"),
    path("<int:job_id>/rejected.csv", views.import_rejected, name="import_rejected"),
]
