from django.urls import path

from . import views

urlpatterns = [
    path("p/<slug:slug>/analytics/", views.analytics, name="analytics"),
    path("p/<slug:slug>/analytics/summary/", views.summary_subscribe, name="analytics_summary"),
]
