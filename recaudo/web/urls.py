from django.urls import path

from . import views

urlpatterns = [
    path("debtors/<int:pk>/", views.debtor_detail, name="debtor_detail"),
]
