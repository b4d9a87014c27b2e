from django.urls import path

from . import views

urlpatterns = [
    path("p/<slug:slug>/analytics/", views.analytics, name="analytics"),
]
