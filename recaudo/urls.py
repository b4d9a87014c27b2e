from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from recaudo.agreements import views as agreement_views
from recaudo.api.api import api
from recaudo.banking import pay_views
from recaudo.web import certificate_views

urlpatterns = [
    # The admin signs in through the app's own sign-in page: one page, throttled, with two-step verification.
    path("admin/login/", RedirectView.as_view(pattern_name="login", query_string=True), name="admin_login"),
    path("admin/", admin.site.urls),
    # the REST API (token auth, no sessions): docs/api.md
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("recaudo.accounts.urls")),
    path("p/<slug:slug>/imports/", include("recaudo.imports.urls")),
    path("p/<slug:slug>/bank/", include("recaudo.banking.urls")),
    path("p/<slug:slug>/erp/", include("recaudo.connectors.urls")),
    path("p/<slug:slug>/webhooks/", include("recaudo.webhooks.urls")),
    path("p/<slug:slug>/comms/", include("recaudo.communications.urls")),
    path("hooks/gateways/", include("recaudo.banking.urls_hooks")),
    # the public pay page of a payment link (no login: the link is what the debtor receives)
    path("pagar/<slug:slug>/<slug:reference>/", pay_views.pay_link, name="pay_link"),
    # a certificate's public verification page (no login: the code printed on the certificate is the key)
    path("verificar/", certificate_views.certificate_verify, name="certificate_verify_form"),
    path("verificar/<str:code>/", certificate_views.certificate_verify, name="certificate_verify"),
    path("hooks/", include("recaudo.communications.urls_hooks")),
    # the debtor portal: its own sessions, never a staff sign-in (recaudo/portal/access.py)
    path("portal/", include("recaudo.portal.urls")),
    path("p/<slug:slug>/strategies/", include("recaudo.strategies.urls")),
    path("p/<slug:slug>/", include("recaudo.cycle.urls")),
    path("rates/", agreement_views.rates_page, name="rates"),
    path("p/<slug:slug>/", include("recaudo.agreements.urls")),
    path("p/<slug:slug>/", include("recaudo.agents.urls")),
    path("p/<slug:slug>/", include("recaudo.portfolio.urls")),
    path("p/<slug:slug>/", include("recaudo.web.urls")),
    path("p/<slug:slug>/", include("recaudo.privacy.urls")),
    path("", include("recaudo.analytics.urls")),
    path("", include("recaudo.reports.urls")),
]

handler500 = "recaudo.core.errorpage.server_error"  # a friendly page in the user's language, never a traceback
