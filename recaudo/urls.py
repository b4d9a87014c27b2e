from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("recaudo.accounts.urls")),
    path("p/<slug:slug>/imports/", include("recaudo.imports.urls")),
    path("p/<slug:slug>/", include("recaudo.portfolio.urls")),
    path("", include("recaudo.reports.urls")),
]
