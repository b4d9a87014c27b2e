from django.urls import path

from . import views

urlpatterns = [
    path("", views.erp_list, name="erp_list"),
    path("new/<str:kind>/", views.erp_new, name="erp_new"),
    path("<int:connector_id>/", views.erp_detail, name="erp_detail"),
    path("<int:connector_id>/test/", views.erp_test, name="erp_test"),
    path("<int:connector_id>/run/", views.erp_run, name="erp_run"),
]
