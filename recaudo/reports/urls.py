from django.urls import path

from . import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("p/<slug:slug>/aging/", views.aging, name="aging"),
    path("p/<slug:slug>/debtors/<int:pk>/statement.<str:fmt>", views.statement, name="statement"),
    path("p/<slug:slug>/debtors/<int:pk>/interest.pdf", views.interest_liquidation_pdf, name="interest_liquidation"),
]
