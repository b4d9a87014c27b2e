"""The debtor portal: /portal/<slug>/ (the creditor's own entry page) and /portal/l/<token>/ (signed links; the
path is communications.rendering.PORTAL_LINK_PATH). Action pages of issue 16 §2-§3 add their patterns here and an
entry in actions.py."""

from django.urls import path

from . import views, views_actions

urlpatterns = [
    path("l/<str:token>/", views.link_open, name="portal_link_open"),
    path("<slug:slug>/", views.enter, name="portal_enter"),
    path("<slug:slug>/codigo/", views.code, name="portal_code"),
    path("<slug:slug>/inicio/", views.home, name="portal_home"),
    path("<slug:slug>/obligacion/<int:pk>/", views.obligation, name="portal_obligation"),
    path("<slug:slug>/estado-de-cuenta.pdf", views.statement, name="portal_statement"),
    path("<slug:slug>/pagar/", views.pay, name="portal_pay"),
    path("<slug:slug>/prometer-pago/", views_actions.promise, name="portal_promise"),
    path("<slug:slug>/disputar/", views_actions.dispute, name="portal_dispute"),
    path("<slug:slug>/comprobante/", views_actions.receipt, name="portal_receipt"),
    path("<slug:slug>/mis-datos/", views_actions.habeas, name="portal_habeas"),
    path("<slug:slug>/certificados/", views_actions.certificates, name="portal_certificates"),
    path("<slug:slug>/calificar/", views_actions.rating, name="portal_rating"),
    path("<slug:slug>/preferencias/", views_actions.preferences, name="portal_preferences"),
    path("<slug:slug>/plan-de-pagos/", views_actions.plan, name="portal_plan"),
    path("<slug:slug>/acuerdo/<int:pk>.pdf", views_actions.agreement_pdf, name="portal_agreement_pdf"),
    path("<slug:slug>/salir/", views.logout, name="portal_logout"),
    path("<slug:slug>/marca.css", views.brand_css, name="portal_brand_css"),
    path("<slug:slug>/logo", views.logo, name="portal_logo"),
]
