"""Writes for promises to pay, payment agreements and settlement offers. Keyword-only, one transaction each, with
audit events. The ledger is never edited: settling, reinstating, forgiving and cancelling are entries.

One module per subject; import from the module that owns the function (this package re-exports nothing):

- promises: promise_record, promise_cancel, promises_evaluate
- plans: payment agreements (installment plans): legal_cap, agreement_create / _offer / _cancel / _accept /
  _break, installment_interest_post, agreements_check_breach
- offers: settlement offers: offer_evaluate, offer_create, offer_decide, offer_accept, open_lump_sum_offer,
  granted_without_approval, settlement_discounts_apply / _revoke
- payments: payment_receive, payment_receipt_reverse (how every entry point receives and reverses a payment)
- selfservice: what a debtor does alone in the portal: self_promise_window_for, self_promise_record,
  self_plan_offers, self_plan_propose, self_offer_accept (docs/portal-actions.md)
- daily: agreements_daily (the daily cycle's part)
- permissions: the authority matrix: limits_for, authority_limits_ensure, can_write, can_decide, can_approve
- common: AgreementError, NotAllowed and what the modules share

Imports go down this order only (checked by recaudo/agreements/tests/test_services_layout.py):
common <- permissions <- promises <- plans <- offers <- payments <- selfservice <- daily.
"""
