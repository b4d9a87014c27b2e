"""Mounted at p/<slug>/ (recaudo/urls.py): the approvals queue at p/<slug>/approvals/, the rest under agreements/
(the agreement's PDF, which carries the payment reference of banking, a layer above, is served by recaudo.web)."""

from django.urls import path

from . import views

urlpatterns = [
    path("approvals/", views.approvals, name="approvals"),
    path("approvals/<int:pk>/decide/", views.offer_decide_view, name="offer_decide"),
    path("agreements/debtor/<int:pk>/", views.debtor_page, name="debtor_agreements"),
    path("agreements/debtor/<int:pk>/promise/", views.promise_new, name="promise_new"),
    path("agreements/debtor/<int:pk>/new/", views.agreement_new, name="agreement_new"),
    path("agreements/debtor/<int:pk>/preview/", views.agreement_preview, name="agreement_preview"),
    path("agreements/debtor/<int:pk>/offer/", views.offer_new, name="offer_new"),
    path("agreements/<int:pk>/", views.agreement_detail, name="agreement_detail"),
    path("agreements/<int:pk>/offer/", views.agreement_offer_view, name="agreement_offer"),
    path("agreements/<int:pk>/accept/", views.agreement_accept_view, name="agreement_accept"),
    path("agreements/<int:pk>/cancel/", views.agreement_cancel_view, name="agreement_cancel"),
    path("agreements/offers/<int:pk>/", views.offer_detail, name="offer_detail"),
    path("agreements/offers/<int:pk>/accept/", views.offer_accept_view, name="offer_accept"),
]
