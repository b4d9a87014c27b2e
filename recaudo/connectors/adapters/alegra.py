"""Alegra (developer.alegra.com), as documented publicly (docs/erp-connectors.md says what is verified):

- base https://api.alegra.com/api/v1; `Authorization: Basic base64(email:token)`;
- 150 requests per minute: one call every 0.4 s at most, 429 and the intermittent 503s retried with backoff;
- lists page with `start` and `limit` (at most 30); `metadata=true` wraps them as {metadata: {total}, data: [...]};
- /invoices?status=open (the open invoices, read whole every run: Alegra documents no updated-since filter),
  /contacts (the customers), /payments?type=in (received payments; `date_after` from the last good run minus a
  week, void ones skipped); amounts may come as strings ("19928.00");
- push: POST /payments {date, type: in, bankAccount, paymentMethod, invoices: [{id, amount}], observations}."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils.translation import gettext_lazy as _

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
    basic_auth,
    dict_of,
    expect_list,
    text_of,
)

PAGE = 30  # Alegra's largest page
OVERLAP = timedelta(days=7)  # payments are read again from a week before the last good run (idempotent)


class AlegraSession(Session):
    def __init__(self, *, base_url: str, email: str, token: str):
        super().__init__(label="Alegra", base_url=base_url, min_interval=60 / 150)
        self.header = basic_auth(email, token)

    def auth(self) -> dict[str, str]:
        return {"Authorization": self.header}

    def pages(self, path: str, query: dict):
        """Every record of a list, page by page (start/limit, metadata=true)."""
        start = 0
        for _page in range(MAX_PAGES):
            answer = self.call("GET", path, query={**query, "start": start, "limit": PAGE, "metadata": "true"})
            if isinstance(answer, dict):
                data = expect_list(answer.get("data"), f"{path} data", self.label)
                total = dict_of(answer.get("metadata")).get("total")
            else:
                data, total = expect_list(answer, path, self.label), None
            yield from data
            start += len(data)
            if not data or len(data) < PAGE or (isinstance(total, int) and start >= total):
                return
        raise ErpPermanent(_("%(erp)s: %(path)s has more than %(pages)s pages") % {
            "erp": self.label, "path": path, "pages": MAX_PAGES})


def _number(invoice: dict) -> str:
    template = dict_of(invoice.get("numberTemplate"))
    full = text_of(template.get("fullNumber"))
    if full:
        return full
    number = text_of(template.get("number"))
    if number:
        return text_of(template.get("prefix")) + number
    return f"ALEGRA-{text_of(invoice.get('id'))}"


def _customer(contact: dict) -> Customer:
    ident = dict_of(contact.get("identificationObject"))
    number = text_of(ident.get("number")) or text_of(contact.get("identification"))
    id_type = text_of(ident.get("type"))
    dv = text_of(ident.get("dv"))
    address = dict_of(contact.get("address"))
    external = text_of(contact.get("id"))
    return Customer(
        external_id=external, code=number or f"alegra-{external}", name=text_of(contact.get("name")),
        # the ID's type only when Alegra gives it (identificationObject); a bare number is the code, unvalidated
        id_type=id_type if number else "", id_number=(f"{number}-{dv}" if dv else number) if id_type else "",
        email=text_of(contact.get("email")),
        phone=text_of(contact.get("mobile")) or text_of(contact.get("phonePrimary")),
        address=text_of(address.get("address")), city=text_of(address.get("city")),
    )


class Alegra(Adapter):
    name = "alegra"
    label = "Alegra"
    default_base_url = "https://api.alegra.com/api/v1"
    can_push = True
    config_fields = (
        ConfigField("email", _("User e-mail in Alegra")),
        ConfigField("token", _("API token (Alegra: Configuración → Integraciones → API)"), secret=True),
        ConfigField("bank_account_id", _("Bank account id for payments recorded in Alegra"), required=False,
                    help=_("Needed only to push payments back.")),
        ConfigField("payment_method", _("Payment method of payments recorded in Alegra"), required=False,
                    help=_("Default: transfer.")),
    )

    def session(self, config: dict) -> AlegraSession:
        return AlegraSession(base_url=text_of(config.get("base_url")) or self.default_base_url,
                             email=self.required(config, "email"), token=self.required(config, "token"))

    def check(self, session: AlegraSession) -> str:
        answer = session.call("GET", "/invoices", query={"status": "open", "start": 0, "limit": 1,
                                                         "metadata": "true"})
        total = dict_of(answer).get("metadata", {}).get("total") if isinstance(answer, dict) else None
        return f"Alegra: {total} open invoices" if isinstance(total, int) else "Alegra: connected"

    def pull(self, session: AlegraSession, *, since: datetime | None) -> Pulled:
        pulled = Pulled()
        contacts = {}
        for contact in session.pages("/contacts", {}):
            if isinstance(contact, dict) and text_of(contact.get("id")):
                customer = _customer(contact)
                contacts[customer.external_id] = customer
        needed = set()
        for inv in session.pages("/invoices", {"status": "open"}):
            if not isinstance(inv, dict) or text_of(inv.get("status")) not in ("open", ""):
                continue
            client = dict_of(inv.get("client"))
            client_id = text_of(client.get("id"))
            if client_id not in contacts:  # a client the contacts list did not bring: its code from its id
                contacts[client_id] = Customer(external_id=client_id, code=f"alegra-{client_id}",
                                               name=text_of(client.get("name")))
            needed.add(client_id)
            currency = dict_of(inv.get("currency")).get("code")
            pulled.invoices.append(Invoice(
                external_id=text_of(inv.get("id")), number=_number(inv), customer_id=client_id,
                issue_date=text_of(inv.get("date")), due_date=text_of(inv.get("dueDate")) or text_of(inv.get("date")),
                total=amount_text(inv.get("total")), balance=amount_text(inv.get("balance")),
                currency=text_of(currency), push_ref={"id": text_of(inv.get("id")), "client_id": client_id}))
        pulled.customers = [c for key, c in contacts.items() if key in needed]
        query = {"type": "in"}
        if since is not None:
            query["date_after"] = (since - OVERLAP).date().isoformat()
        for pay in session.pages("/payments", query):
            if not isinstance(pay, dict) or text_of(pay.get("status")) == "void":
                continue
            for part in pay.get("invoices") or []:
                part = dict_of(part)
                amount = part.get("amount") if part.get("amount") is not None else part.get("total")
                pulled.payments.append(ErpPayment(
                    external_id=text_of(pay.get("id")), invoice_id=text_of(part.get("id")),
                    invoice_number="", date=text_of(pay.get("date")), amount=amount_text(amount),
                    method=text_of(pay.get("paymentMethod"))))
        pulled.requests = session.requests
        return pulled

    def push_payment(self, session: AlegraSession, config: dict, push: PushRequest) -> str:
        account = self.required(config, "bank_account_id")
        invoice_id = text_of(push.invoice_ref.get("id"))
        if not invoice_id:
            raise ErpPermanent(_("%(erp)s: the invoice is unknown in the ERP; sync the connector first") % {
                "erp": self.label})
        answer = session.call("POST", "/payments", payload={
            "date": push.date, "type": "in", "bankAccount": account,
            "paymentMethod": text_of(config.get("payment_method")) or "transfer",
            "invoices": [{"id": invoice_id, "amount": float(push.amount)}],  # a JSON number, 2 decimals
            "observations": f"Recaudo {push.reference}"})
        created = text_of(dict_of(answer).get("id"))
        if not created:
            raise ErpPermanent(_("%(erp)s: the answer to the payment has no id") % {"erp": self.label})
        return created
