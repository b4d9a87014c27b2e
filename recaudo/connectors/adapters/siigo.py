"""Siigo Nube (Siigo's API blueprint), as documented publicly (docs/erp-connectors.md says what is verified):

- base https://api.siigo.com; `POST /auth {username, access_key}` -> {access_token, expires_in: 86400}; every call
  sends `Authorization: Bearer <token>` and `Partner-Id: <app name>`; the token is renewed before it expires and
  once on a 401;
- 100 requests per minute per company: one call every 0.6 s at most, 429 retried with backoff;
- lists page with `page`, `page_size` (100) -> {pagination: {page, page_size, total_results}, results, _links};
- /v1/invoices?updated_start=... (incremental from the last good run; Siigo has no filter for open balances, so
  the invoices with balance > 0 are kept), /v1/customers, /v1/vouchers?created_start=... (cash receipts of type
  DebtPayment; each item's due {prefix, consecutive} names the invoice "prefix-consecutive");
- push: POST /v1/vouchers {document: {id}, date, type: DebtPayment, customer: {identification, branch_office},
  items: [{due: {prefix, consecutive, quote, date}, value}], payment: {id, value}, observations}."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils.translation import gettext_lazy as _

from . import base
from .base import (
    MAX_PAGES,
    Adapter,
    ConfigField,
    Customer,
    ErpPayment,
    ErpPermanent,
    Invoice,
    Pulled,
    PushRequest,
    Session,
    amount_text,
    dict_of,
    expect_list,
    text_of,
)

PAGE = 100
OVERLAP = timedelta(days=1)  # read again from a day before the last good run (idempotent)


class SiigoSession(Session):
    def __init__(self, *, base_url: str, username: str, access_key: str, partner_id: str):
        super().__init__(label="Siigo", base_url=base_url, min_interval=60 / 100)
        self.username, self.access_key, self.partner_id = username, access_key, partner_id
        self.token = ""
        self.expires = 0.0

    def _login(self) -> None:
        answer = self.call("POST", "/auth", payload={"username": self.username, "access_key": self.access_key},
                           auth=False)
        token = text_of(dict_of(answer).get("access_token"))
        if not token:
            raise ErpPermanent(_("%(erp)s: /auth answered without an access_token") % {"erp": self.label})
        try:
            seconds = float(dict_of(answer).get("expires_in") or 86400)
        except (TypeError, ValueError):
            seconds = 86400.0
        self.token = token
        self.expires = base.MONOTONIC() + max(seconds - 60, 1)  # renewed a minute before it expires

    def auth(self) -> dict[str, str]:
        if not self.token or base.MONOTONIC() >= self.expires:
            self._login()
        return {"Authorization": f"Bearer {self.token}", "Partner-Id": self.partner_id}

    def on_unauthorized(self) -> bool:
        self.token = ""
        return True

    def pages(self, path: str, query: dict):
        page = 1
        for _page in range(MAX_PAGES):
            answer = dict_of(self.call("GET", path, query={**query, "page": page, "page_size": PAGE}))
            results = expect_list(answer.get("results"), f"{path} results", self.label)
            yield from results
            total = dict_of(answer.get("pagination")).get("total_results")
            has_next = bool(dict_of(dict_of(answer.get("_links")).get("next")).get("href"))
            if not results or (isinstance(total, int) and page * PAGE >= total) or (
                    not isinstance(total, int) and not has_next):
                return
            page += 1
        raise ErpPermanent(_("%(erp)s: %(path)s has more than %(pages)s pages") % {
            "erp": self.label, "path": path, "pages": MAX_PAGES})


def _name(customer: dict) -> str:
    parts = customer.get("name")
    name = " ".join(text_of(p) for p in parts if text_of(p)) if isinstance(parts, list) else text_of(parts)
    return name or text_of(customer.get("commercial_name"))


def _customer(raw: dict) -> Customer:
    ident = text_of(raw.get("identification"))
    code = text_of(dict_of(raw.get("id_type")).get("code"))
    dv = text_of(raw.get("check_digit"))
    phones = raw.get("phones") if isinstance(raw.get("phones"), list) else []
    phone = dict_of(phones[0]) if phones else {}
    contacts = raw.get("contacts") if isinstance(raw.get("contacts"), list) else []
    email = next((text_of(dict_of(c).get("email")) for c in contacts if text_of(dict_of(c).get("email"))), "")
    address = dict_of(raw.get("address"))
    return Customer(
        external_id=text_of(raw.get("id")), code=ident or f"siigo-{text_of(raw.get('id'))}", name=_name(raw),
        id_type=code if ident else "", id_number=(f"{ident}-{dv}" if dv and code == "31" else ident) if code else "",
        email=email, phone=(text_of(phone.get("indicative")) + text_of(phone.get("number"))) if phone else "",
        address=text_of(address.get("address")), city=text_of(dict_of(address.get("city")).get("city_name")),
    )


def _prefix(name: str, number: str) -> str:
    """"FV-2-22" with number 22 -> "FV-2" (the prefix a voucher's due names the invoice by)."""
    suffix = f"-{number}"
    return name[: -len(suffix)] if number and name.endswith(suffix) else name.rsplit("-", 1)[0]


def _due_date(inv: dict) -> str:
    """The invoice's due date: the latest due date of its installments (payments[].due_date), else its date."""
    dues = [text_of(dict_of(p).get("due_date")) for p in inv.get("payments") or [] if isinstance(p, dict)]
    dues = [d for d in dues if d]
    return max(dues) if dues else text_of(inv.get("date"))


class Siigo(Adapter):
    name = "siigo"
    label = "Siigo Nube"
    default_base_url = "https://api.siigo.com"
    can_push = True
    config_fields = (
        ConfigField("username", _("API user (Siigo Nube)")),
        ConfigField("access_key", _("Access key"), secret=True),
        ConfigField("partner_id", _("Partner-Id (the app's name given to Siigo)"), required=False,
                    help=_("Default: Recaudo.")),
        ConfigField("voucher_document_id", _("Document type id of cash receipts (recibos de caja)"),
                    required=False, help=_("Needed only to push payments back.")),
        ConfigField("payment_type_id", _("Payment method id of pushed receipts"), required=False,
                    help=_("Needed only to push payments back.")),
    )

    def session(self, config: dict) -> SiigoSession:
        return SiigoSession(base_url=text_of(config.get("base_url")) or self.default_base_url,
                            username=self.required(config, "username"),
                            access_key=self.required(config, "access_key"),
                            partner_id=text_of(config.get("partner_id")) or "Recaudo")

    def check(self, session: SiigoSession) -> str:
        answer = dict_of(session.call("GET", "/v1/invoices", query={"page": 1, "page_size": 1}))
        total = dict_of(answer.get("pagination")).get("total_results")
        return f"Siigo Nube: {total} invoices" if isinstance(total, int) else "Siigo Nube: connected"

    def pull(self, session: SiigoSession, *, since: datetime | None) -> Pulled:
        pulled = Pulled()
        start = (since - OVERLAP).date().isoformat() if since is not None else ""
        needed = {}
        for inv in session.pages("/v1/invoices", {"updated_start": start}):
            if not isinstance(inv, dict):
                continue
            balance = inv.get("balance")
            try:
                if balance is not None and float(balance) <= 0:
                    continue  # paid: nothing to collect (its receipts still come as payments)
            except (TypeError, ValueError):
                pass  # malformed: imported as given, so the import's report names it
            customer = dict_of(inv.get("customer"))
            ident = text_of(customer.get("identification"))
            name, number = text_of(inv.get("name")), text_of(inv.get("number"))
            needed[ident] = text_of(customer.get("id"))
            pulled.invoices.append(Invoice(
                external_id=text_of(inv.get("id")), number=name or f"SIIGO-{text_of(inv.get('id'))}",
                customer_id=ident, issue_date=text_of(inv.get("date")), due_date=_due_date(inv),
                total=amount_text(inv.get("total")), balance=amount_text(balance),
                currency=text_of(dict_of(inv.get("currency")).get("code")),
                push_ref={"prefix": _prefix(name, number), "consecutive": number, "quote": 1,
                          "due_date": _due_date(inv), "customer_identification": ident,
                          "branch_office": customer.get("branch_office") or 0}))
        if needed:
            for raw in session.pages("/v1/customers", {}):
                if isinstance(raw, dict) and text_of(raw.get("identification")) in needed:
                    customer = _customer(raw)
                    customer.external_id = customer.code  # invoices name their customer by identification
                    pulled.customers.append(customer)
                    needed.pop(text_of(raw.get("identification")), None)
            for ident in needed:  # a customer the list did not bring: its code, no name (the report says so)
                pulled.customers.append(Customer(external_id=ident, code=ident, name=""))
        for voucher in session.pages("/v1/vouchers", {"created_start": start}):
            if not isinstance(voucher, dict) or text_of(voucher.get("type")) not in ("DebtPayment", ""):
                continue
            for item in voucher.get("items") or []:
                item = dict_of(item)
                due = dict_of(item.get("due"))
                if not due:
                    continue
                pulled.payments.append(ErpPayment(
                    external_id=f"{text_of(voucher.get('id'))}/{text_of(due.get('quote')) or '1'}",
                    invoice_id="", invoice_number=f"{text_of(due.get('prefix'))}-{text_of(due.get('consecutive'))}",
                    date=text_of(voucher.get("date")), amount=amount_text(item.get("value")),
                    method=text_of(dict_of(voucher.get("payment")).get("name"))))
        pulled.requests = session.requests
        return pulled

    def push_payment(self, session: SiigoSession, config: dict, push: PushRequest) -> str:
        document = self.required(config, "voucher_document_id")
        payment_type = self.required(config, "payment_type_id")
        ref = push.invoice_ref
        if not ref.get("prefix") or not ref.get("consecutive"):
            raise ErpPermanent(_("%(erp)s: the invoice is unknown in the ERP; sync the connector first") % {
                "erp": self.label})
        value = float(push.amount)  # a JSON number, 2 decimals
        answer = session.call("POST", "/v1/vouchers", payload={
            "document": {"id": _int_or_text(document)}, "date": push.date, "type": "DebtPayment",
            "customer": {"identification": ref.get("customer_identification") or push.customer_code,
                         "branch_office": ref.get("branch_office") or 0},
            "items": [{"due": {"prefix": ref["prefix"], "consecutive": _int_or_text(ref["consecutive"]),
                               "quote": ref.get("quote") or 1, "date": ref.get("due_date") or push.date},
                       "value": value}],
            "payment": {"id": _int_or_text(payment_type), "value": value},
            "observations": f"Recaudo {push.reference}"})
        created = text_of(dict_of(answer).get("id"))
        if not created:
            raise ErpPermanent(_("%(erp)s: the answer to the payment has no id") % {"erp": self.label})
        return created


def _int_or_text(value):
    text = text_of(value)
    return int(text) if text.isdigit() else text
