from django.urls import path

from . import views

urlpatterns = [
    path("debtors/", views.debtor_list, name="debtor_list"),
    path("debtors/<int:pk>/", views.debtor_detail, name="debtor_detail"),
]
