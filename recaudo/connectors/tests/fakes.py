"""Local servers that speak Alegra's and Siigo Nube's documented API shapes (docs/erp-connectors.md): auth, pages,
the list records the connector reads and the payment it records. `busy` makes the next N calls answer 429."""

from __future__ import annotations

import base64
import itertools
from urllib.parse import parse_qs, urlsplit

from recaudo.core.tests.fake_http import FakeHTTPServer


def header(record, name: str) -> str:
    """A request header, whatever its case (urllib sends "Partner-id")."""
    return next((v for k, v in record["headers"].items() if k.lower() == name.lower()), "")


def _query(record) -> tuple[str, dict]:
    parts = urlsplit(record["path"])
    return parts.path, {k: v[-1] for k, v in parse_qs(parts.query).items()}


class FakeAlegra(FakeHTTPServer):
    def __init__(self, *, email="cartera@andinas.co", token="tok-alegra"):  # noqa: S107 (a test server's credential)
        super().__init__()
        self.auth = "Basic " + base64.b64encode(f"{email}:{token}".encode()).decode()
        self.contacts, self.invoices, self.payments, self.posted = [], [], [], []
        self.busy = 0
        self.ids = itertools.count(9001)

    def answer(self, record):
        if self.busy:
            self.busy -= 1
            return 429, {"message": "Too many requests"}
        if header(record, "Authorization") != self.auth:
            return 401, {"message": "Credenciales inválidas", "code": 401}
        path, q = _query(record)
        if record["method"] == "POST" and path == "/payments":
            payment = {**record["json"], "id": str(next(self.ids))}
            self.posted.append(payment)
            return 201, payment
        table = {"/invoices": self.invoices, "/contacts": self.contacts, "/payments": self.payments}.get(path)
        if table is None:
            return 404, {"message": "not found"}
        rows = table
        if path == "/invoices" and q.get("status"):
            rows = [r for r in rows if r.get("status") == q["status"]]
        if path == "/payments" and q.get("type"):
            rows = [r for r in rows if r.get("type", "in") == q["type"]]
        start, limit = int(q.get("start", 0)), min(int(q.get("limit", 30)), 30)
        page = rows[start:start + limit]
        if q.get("metadata") == "true":
            return 200, {"metadata": {"total": len(rows)}, "data": page}
        return 200, page


class FakeSiigo(FakeHTTPServer):
    def __init__(self, *, username="api@andinas.co", access_key="key-siigo"):
        super().__init__()
        self.username, self.access_key = username, access_key
        self.tokens = itertools.count(1)
        self.valid = set()
        self.customers, self.invoices, self.vouchers, self.posted = [], [], [], []
        self.busy = 0
        self.logins = 0

    def expire_tokens(self):
        self.valid.clear()

    def answer(self, record):
        if self.busy:
            self.busy -= 1
            return 429, {"Errors": [{"Code": "too_many_requests", "Message": "Rate limit exceeded"}]}
        path, q = _query(record)
        if record["method"] == "POST" and path == "/auth":
            body = record["json"] or {}
            if (body.get("username"), body.get("access_key")) != (self.username, self.access_key):
                return 401, {"Errors": [{"Code": "invalid_credentials", "Message": "The credentials are invalid"}]}
            token = f"tok-{next(self.tokens)}"
            self.valid.add(token)
            self.logins += 1
            return 200, {"access_token": token, "expires_in": 86400, "token_type": "Bearer"}
        bearer = header(record, "Authorization")
        if not bearer.startswith("Bearer ") or bearer[7:] not in self.valid or not header(record, "Partner-Id"):
            return 401, {"Errors": [{"Code": "unauthorized", "Message": "Unauthorized"}]}
        if record["method"] == "POST" and path == "/v1/vouchers":
            voucher = {**record["json"], "id": f"guid-{len(self.posted) + 1}", "name": f"RC-1-{len(self.posted) + 1}"}
            self.posted.append(voucher)
            return 201, voucher
        table = {"/v1/invoices": self.invoices, "/v1/customers": self.customers,
                 "/v1/vouchers": self.vouchers}.get(path)
        if table is None:
            return 404, {"Errors": [{"Code": "not_found", "Message": "not found"}]}
        rows = table
        if q.get("updated_start"):
            rows = [r for r in rows if r.get("metadata", {}).get("last_updated", "9999")[:10] >= q["updated_start"]]
        page, size = int(q.get("page", 1)), min(int(q.get("page_size", 25)), 100)
        chunk = rows[(page - 1) * size: page * size]
        links = {"self": {"href": f"{self.url}{path}?page={page}"}}
        if page * size < len(rows):
            links["next"] = {"href": f"{self.url}{path}?page={page + 1}&page_size={size}"}
        return 200, {"pagination": {"page": page, "page_size": size, "total_results": len(rows)},
                     "results": chunk, "_links": links}


def alegra_invoice(n, client_id, *, total="119000.00", balance=None, date="2026-11-02", due="2026-12-02",
                   status="open"):
    return {"id": str(n), "date": date, "dueDate": due, "status": status, "total": total,
            "totalPaid": "0", "balance": balance if balance is not None else total,
            "client": {"id": client_id, "name": f"Cliente {client_id}"},
            "numberTemplate": {"prefix": "FE", "number": str(n), "fullNumber": f"FE{n}"}, "payments": []}


def alegra_contact(contact_id, nit, name, dv="7"):
    return {"id": contact_id, "name": name, "identification": nit,
            "identificationObject": {"type": "NIT", "number": nit, "dv": dv},
            "email": f"pagos{contact_id}@example.co", "phonePrimary": "6014567890", "mobile": "3001234567",
            "address": {"address": "Calle 10 # 5-20", "city": "Bogotá"}, "type": ["client"],
            "kindOfPerson": "LEGAL_ENTITY"}


def siigo_customer(ident, names, *, dv="", code="13"):
    return {"id": f"cust-{ident}", "type": "Customer", "person_type": "Person" if code == "13" else "Company",
            "id_type": {"code": code, "name": "NIT" if code == "31" else "Cédula de ciudadanía"},
            "identification": ident,
            "check_digit": dv, "name": names, "commercial_name": "",
            "address": {"address": "Cra 7 # 12-34", "city": {"city_name": "Medellín"}},
            "phones": [{"indicative": "", "number": "3109876543"}],
            "contacts": [{"first_name": names[0], "last_name": names[-1], "email": f"{ident}@example.co"}]}


def siigo_invoice(n, ident, *, total=238000, balance=None, date="2026-11-03", due="2026-12-03",
                  updated="2026-11-03T10:00:00"):
    return {"id": f"inv-{n}", "document": {"id": 24446}, "prefix": "FV-2", "number": n, "name": f"FV-2-{n}",
            "date": date, "customer": {"id": f"cust-{ident}", "identification": ident, "branch_office": 0},
            "currency": {"code": "COP"}, "total": total, "balance": total if balance is None else balance,
            "payments": [{"id": 8, "name": "Crédito", "value": total, "due_date": due}],
            "metadata": {"created": updated, "last_updated": updated}}
