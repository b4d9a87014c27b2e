from django.urls import path

from . import views

urlpatterns = [
    path("", views.webhook_list, name="webhook_list"),
    path("new/", views.webhook_new, name="webhook_new"),
    path("<int:pk>/", views.webhook_detail, name="webhook_detail"),
    path("<int:pk>/rotate/", views.webhook_rotate, name="webhook_rotate"),
    path("<int:pk>/test/", views.webhook_test, name="webhook_test"),
    path("<int:pk>/deliveries/<int:delivery_id>/", views.webhook_delivery, name="webhook_delivery"),
    path("<int:pk>/deliveries/<int:delivery_id>/redeliver/", views.webhook_redeliver, name="webhook_redeliver"),
]
