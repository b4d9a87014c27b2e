"""Seeded synthetic Colombian collections data: debtors, invoices, HOA fees and payments as CSV files.

Everything streams (generators feeding csv writers), needs no network and is deterministic for a seed:
the same arguments always write byte-identical files. Used by `recaudo demo`, the benchmarks
(bench/generate.py) and tests.

Shapes (the canonical import fields, see docs/import.md):
- obligations: number,debtor_code,debtor_name,debtor_id_type,debtor_id_number,debtor_phone,debtor_email,kind,
  issue_date,due_date,amount,currency,description  (an ERP export of invoices carrying customer columns)
- payments: obligation,debtor_code,date,amount,method,reference  (obligation empty = the payer named only
  the debtor)
- debtors: code,name,kind,id_type,id_number,phone,email,whatsapp,address,city,customer_since,tags,language

Dates are dd/mm/yyyy, amounts use a decimal point (1234567.00). Realism: amounts are log-normal between
~50,000 and ~50,000,000 COP, a few debtors carry many invoices (Pareto), due dates spread from ~2 years ago
to 60 days ahead with 30/60/90-day terms, persons carry a valid cédula (CC), companies a valid NIT (check
digit from python-stdnum), phones are Colombian mobiles (+57 3xx) valid for phonenumbers.
"""

from __future__ import annotations

import csv
import math
import random
import unicodedata
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from stdnum.co import nit as co_nit

OBLIGATION_FIELDS = (
    "number", "debtor_code", "debtor_name", "debtor_id_type", "debtor_id_number", "debtor_phone", "debtor_email",
    "kind", "issue_date", "due_date", "amount", "currency", "description",
)
PAYMENT_FIELDS = ("obligation", "debtor_code", "date", "amount", "method", "reference")
DEBTOR_FIELDS = (
    "code", "name", "kind", "id_type", "id_number", "phone", "email", "whatsapp", "address", "city",
    "customer_since", "tags", "language",
)

FEMALE_NAMES = (
    "María", "Luz", "Ana", "Carmen", "Diana", "Sandra", "Claudia", "Paola", "Andrea", "Natalia", "Catalina",
    "Laura", "Valentina", "Daniela", "Juliana", "Marcela", "Gloria", "Martha", "Patricia", "Adriana", "Yolanda",
    "Liliana", "Beatriz", "Mónica", "Carolina", "Ángela", "Sofía", "Isabel", "Luisa", "Camila",
)
MALE_NAMES = (
    "José", "Juan", "Luis", "Carlos", "Jorge", "Andrés", "Alejandro", "Diego", "Camilo", "Felipe", "Santiago",
    "Sebastián", "Mauricio", "Fernando", "Javier", "Ricardo", "Óscar", "Julián", "Hernán", "Álvaro", "Gustavo",
    "Jairo", "Édgar", "Wilson", "Fabio", "Nelson", "Iván", "Mateo", "Nicolás", "Esteban",
)
FIRST_NAMES = FEMALE_NAMES + MALE_NAMES
FEMALE_SECOND = ("", "", "", "Marina", "Fernanda", "Alejandra", "Cristina", "Eugenia", "Lucía", "Esperanza", "Milena")
MALE_SECOND = ("", "", "", "Carlos", "David", "Antonio", "Alberto", "Enrique", "Eduardo", "Manuel", "Pablo")
SURNAMES = (
    "Rodríguez", "Gómez", "González", "Martínez", "García", "López", "Hernández", "Sánchez", "Ramírez", "Pérez",
    "Díaz", "Muñoz", "Rojas", "Moreno", "Jiménez", "Vargas", "Castro", "Gutiérrez", "Álvarez", "Ruiz", "Romero",
    "Ortiz", "Torres", "Suárez", "Restrepo", "Osorio", "Valencia", "Ospina", "Cardona", "Quintero", "Zapata",
    "Mejía", "Giraldo", "Arango", "Gallego", "Henao", "Salazar", "Castaño", "Montoya", "Mosquera", "Bermúdez",
    "Patiño", "Londoño", "Agudelo", "Cárdenas", "Duque", "Escobar", "Palacio", "Ríos", "Velásquez", "Parra",
    "Guerrero", "Medina", "Cortés", "Herrera", "Aguirre", "Rincón", "Pineda", "Vélez", "Correa",
)
BUSINESS_WORDS = (
    "Andina", "del Valle", "La Esperanza", "El Progreso", "San José", "Santa Fe", "del Caribe", "Los Andes",
    "La Sabana", "El Dorado", "Pacífico", "Montaña", "La Estrella", "Oriente", "Antioquia", "Santander",
    "Bolívar", "El Porvenir", "Nueva Granada", "La Ceiba", "Guayacán", "Sol", "Horizonte", "Continental",
    "Nacional", "Central", "Express", "Global", "Integral", "Premium",
)
COMPANY_PATTERNS = (
    "Distribuciones {w} S.A.S.", "Ferretería {w}", "Inversiones {s} Ltda.", "Comercializadora {w} S.A.S.",
    "Supermercado {w}", "Droguería {w}", "Panadería {w}", "Constructora {s} S.A.", "Transportes {w} S.A.S.",
    "Almacén {w}", "Agropecuaria {w} S.A.S.", "Papelería {w}", "Restaurante {w}", "Tienda {w}",
    "Importaciones {s} S.A.S.", "Servicios {w} Ltda.", "Miscelánea {w}", "Grupo {s} S.A.S.",
    "Hotel {w}", "Confecciones {s} S.A.S.",
)
CITIES = (
    ("Bogotá", 30), ("Medellín", 15), ("Cali", 12), ("Barranquilla", 9), ("Bucaramanga", 6), ("Cartagena", 6),
    ("Pereira", 4), ("Manizales", 3), ("Cúcuta", 4), ("Ibagué", 3), ("Santa Marta", 3), ("Villavicencio", 3),
    ("Pasto", 2), ("Armenia", 2), ("Neiva", 2), ("Montería", 2), ("Tunja", 1), ("Popayán", 1), ("Valledupar", 2),
    ("Sincelejo", 1),
)
STREET_KINDS = ("Calle", "Carrera", "Avenida", "Transversal", "Diagonal")
MOBILE_PREFIXES = (
    "300", "301", "302", "303", "304", "305", "310", "311", "312", "313", "314", "315", "316", "317", "318",
    "319", "320", "321", "322", "323", "324", "350", "351",
)
EMAIL_DOMAINS = ("gmail.com", "gmail.com", "gmail.com", "hotmail.com", "hotmail.com", "outlook.com", "yahoo.es",
                 "yahoo.com")
PAYMENT_METHODS = (("PSE", 35), ("Transferencia", 25), ("Consignación", 15), ("Efectivo", 10), ("Nequi", 10),
                   ("Daviplata", 3), ("Cheque", 2))
PRODUCTS = ("mercancía", "abarrotes", "aseo y cafetería", "materiales de construcción", "papelería",
            "repuestos", "insumos agrícolas", "bebidas", "productos lácteos", "ferretería", "dotación",
            "equipos de cómputo", "servicios de transporte", "mantenimiento")
MONTHS_ES = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
             "noviembre", "diciembre")
TERMS = (30, 30, 30, 30, 30, 60, 60, 60, 90, 90)
MIN_AMOUNT, MAX_AMOUNT = 50_000, 50_000_000


@dataclass(frozen=True, slots=True)
class SyntheticDebtor:
    code: str
    name: str
    kind: str  # person | company
    id_type: str  # CC | NIT
    id_number: str
    phone: str
    email: str
    whatsapp: str
    address: str
    city: str
    customer_since: date
    tags: str
    language: str = "es"


def _ascii(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _slug(text: str) -> str:
    return "".join(c for c in _ascii(text).lower() if c.isalnum())


def dmy(d: date) -> str:
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


class _DateText:
    """dd/mm/yyyy of an ordinal, memoized (strftime per row is the slowest part of a million rows)."""

    def __init__(self):
        self.cache: dict[int, str] = {}

    def __call__(self, ordinal: int) -> str:
        text = self.cache.get(ordinal)
        if text is None:
            text = self.cache[ordinal] = dmy(date.fromordinal(ordinal))
        return text


def _phone(rng: random.Random) -> str:
    prefix = rng.choice(MOBILE_PREFIXES)
    rest = rng.randrange(2_000_000, 9_999_999)
    style = rng.random()
    if style < 0.45:
        return f"{prefix}{rest}"
    if style < 0.75:
        return f"+57 {prefix} {rest}"
    if style < 0.9:
        return f"{prefix} {str(rest)[:3]} {str(rest)[3:]}"
    return f"+57{prefix}{rest}"


def _person_name(rng: random.Random) -> str:
    female = rng.random() < 0.5
    parts = [rng.choice(FEMALE_NAMES if female else MALE_NAMES)]
    second = rng.choice(FEMALE_SECOND if female else MALE_SECOND)
    if second and second != parts[0]:
        parts.append(second)
    parts.append(rng.choice(SURNAMES))
    if rng.random() < 0.8:
        parts.append(rng.choice(SURNAMES))
    return " ".join(parts)


def _company_name(rng: random.Random) -> str:
    pattern = rng.choice(COMPANY_PATTERNS)
    return pattern.format(w=rng.choice(BUSINESS_WORDS), s=rng.choice(SURNAMES))


_CITY_NAMES = [c for c, _ in CITIES]
_CITY_WEIGHTS = [w for _, w in CITIES]
_METHOD_NAMES = [m for m, _ in PAYMENT_METHODS]
_METHOD_WEIGHTS = [w for _, w in PAYMENT_METHODS]


def _debtor(rng: random.Random, index: int, today: date, *, company_share: float, code_prefix: str,
            ids: set[str]) -> SyntheticDebtor:
    is_company = rng.random() < company_share
    while True:
        if is_company:
            base = str(rng.randrange(800_000_000, 999_999_999))
            id_type, id_number = "NIT", f"{base}-{co_nit.calc_check_digit(base)}"
        else:
            id_type, id_number = "CC", str(rng.choice((rng.randrange(1_000_000, 99_999_999),
                                                       rng.randrange(1_000_000_000, 1_199_999_999))))
        if id_number not in ids:
            ids.add(id_number)
            break
    name = _company_name(rng) if is_company else _person_name(rng)
    city = rng.choices(_CITY_NAMES, _CITY_WEIGHTS)[0]
    phone = _phone(rng) if rng.random() < 0.92 else ""
    if rng.random() < 0.8:
        if is_company:
            email = f"{rng.choice(('cartera', 'contabilidad', 'pagos', 'tesoreria', 'gerencia'))}@" \
                    f"{_slug(name.split(' S.A')[0].split(' Ltda')[0])[:30]}.com.co"
        else:
            words = _ascii(name).lower().split()
            email = f"{words[0]}.{words[-1]}{rng.randrange(1, 999)}@{rng.choice(EMAIL_DOMAINS)}"
    else:
        email = ""
    whatsapp = phone if phone and rng.random() < 0.7 else ""
    street = rng.choice(STREET_KINDS)
    address = f"{street} {rng.randrange(1, 180)} # {rng.randrange(1, 120)}-{rng.randrange(1, 99):02d}"
    since = today - timedelta(days=rng.randrange(60, 365 * 12))
    tags = []
    if is_company and rng.random() < 0.15:
        tags.append("mayorista")
    if rng.random() < 0.05:
        tags.append("vip")
    return SyntheticDebtor(
        code=f"{code_prefix}{index + 1:06d}", name=name, kind="company" if is_company else "person",
        id_type=id_type, id_number=id_number, phone=phone, email=email, whatsapp=whatsapp, address=address,
        city=city, customer_since=since, tags=",".join(tags),
    )


def iter_debtors(debtors: int, *, seed: int = 1, today: date, company_share: float = 0.35,
                 code_prefix: str = "CL") -> Iterator[SyntheticDebtor]:
    """The debtors of a seed, in order: debtor i is the same whatever else is generated from the seed."""
    rng = random.Random(seed)
    ids: set[str] = set()  # IDs are unique across debtors (a small set: ~10 bytes per debtor)
    for i in range(debtors):
        yield _debtor(rng, i, today, company_share=company_share, code_prefix=code_prefix, ids=ids)


def _counts(rng: random.Random, debtors: int, obligations: int) -> Iterator[int]:
    """Invoices per debtor, Pareto-distributed, summing exactly to `obligations` (streaming)."""
    remaining_o, remaining_d = obligations, debtors
    alpha = 1.6
    scale = (alpha - 1) / alpha  # mean of paretovariate(alpha) is alpha/(alpha-1)
    for _ in range(debtors):
        if remaining_d == 1:
            yield remaining_o
            return
        if remaining_o <= 0:
            yield 0
        elif remaining_o < remaining_d:
            n = 1 if rng.random() < remaining_o / remaining_d else 0
            yield n
            remaining_o -= n
        else:
            mean_extra = (remaining_o - remaining_d) / remaining_d
            extra = int(mean_extra * scale * rng.paretovariate(alpha) + rng.random())
            n = 1 + min(extra, remaining_o - remaining_d, max(50, obligations // 500))
            yield n
            remaining_o -= n
        remaining_d -= 1


def _amount(rng: random.Random, mu: float = 14.0, sigma: float = 1.15) -> int:
    """Whole pesos, log-normal (median ~1.2M COP), clipped to 50,000..50,000,000, rounded to 100."""
    value = rng.lognormvariate(mu, sigma)
    value = min(max(value, MIN_AMOUNT), MAX_AMOUNT)
    return int(value / 100) * 100


def iter_flat_obligations(*, debtors: int, obligations: int, seed: int = 1, today: date,
                          company_share: float = 0.35, code_prefix: str = "CL",
                          number_prefix: str = "FV-") -> Iterator[tuple]:
    """Rows (OBLIGATION_FIELDS order) of invoices with the debtor's columns; grouped by debtor."""
    rng = random.Random(seed * 7919 + 17)
    date_text = _DateText()
    today_o = today.toordinal()
    oldest_due = today_o - 730
    number = 0
    counts = _counts(random.Random(seed * 104729 + 3), debtors, obligations)
    for debtor in iter_debtors(debtors, seed=seed, today=today, company_share=company_share,
                               code_prefix=code_prefix):
        n = next(counts)
        if not n:
            continue
        head = (debtor.code, debtor.name, debtor.id_type, debtor.id_number, debtor.phone, debtor.email, "invoice")
        # Larger customers (companies) buy more per invoice.
        mu = 14.4 if debtor.kind == "company" else 13.6
        first_due = max(oldest_due, debtor.customer_since.toordinal() + 30)
        for _ in range(n):
            number += 1
            term = rng.choice(TERMS)
            latest_due = today_o + min(60, term)
            low = min(first_due, latest_due - 1)
            due = int(rng.triangular(low, latest_due, latest_due))
            issue = due - term
            product = rng.choice(PRODUCTS)
            yield (number_prefix + f"{number:07d}", *head, date_text(issue), date_text(due),
                   f"{_amount(rng, mu)}.00", "COP", f"Venta de {product} - pedido {rng.randrange(10000, 99999)}")


def write_flat_obligations(path, *, debtors: int, obligations: int, seed: int = 1, today: date,
                           company_share: float = 0.35, code_prefix: str = "CL") -> None:
    """Write an invoices CSV (OBLIGATION_FIELDS header) for `debtors` customers and `obligations` invoices."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(OBLIGATION_FIELDS)
        writer.writerows(iter_flat_obligations(debtors=debtors, obligations=obligations, seed=seed, today=today,
                                               company_share=company_share, code_prefix=code_prefix))


def _debtor_row(d: SyntheticDebtor) -> tuple:
    return (d.code, d.name, d.kind, d.id_type, d.id_number, d.phone, d.email, d.whatsapp, d.address, d.city,
            dmy(d.customer_since), d.tags, d.language)


def write_debtors(path, *, debtors: int, seed: int = 1, today: date, company_share: float = 0.35,
                  code_prefix: str = "CL") -> None:
    """Write a debtors CSV (DEBTOR_FIELDS header): the same debtors the obligations of this seed carry."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(DEBTOR_FIELDS)
        for d in iter_debtors(debtors, seed=seed, today=today, company_share=company_share,
                              code_prefix=code_prefix):
            writer.writerow(_debtor_row(d))


# -- HOA fees (propiedad horizontal) ---------------------------------------------------------------------------


def iter_hoa_units(units: int, *, seed: int = 1, today: date, towers: int = 4) -> Iterator[SyntheticDebtor]:
    """Apartment owners: code T{tower}-{floor}{unit}, mostly persons, some companies (investors)."""
    rng = random.Random(seed * 31 + 5)
    ids: set[str] = set()
    per_floor = 4
    per_tower = max(1, math.ceil(units / towers))
    for i in range(units):
        tower, k = divmod(i, per_tower)
        floor, unit = divmod(k, per_floor)
        owner = _debtor(rng, i, today, company_share=0.06, code_prefix="", ids=ids)
        code = f"T{tower + 1}-{floor + 1}{unit + 1:02d}"
        yield SyntheticDebtor(
            code=code, name=owner.name, kind=owner.kind, id_type=owner.id_type, id_number=owner.id_number,
            phone=owner.phone or _phone(rng), email=owner.email, whatsapp=owner.whatsapp,
            address=f"Torre {tower + 1} Apto {floor + 1}{unit + 1:02d}", city="Bogotá",
            customer_since=owner.customer_since, tags="propietario", language="es",
        )


def write_hoa_units(path, *, units: int, seed: int = 1, today: date) -> None:
    """Write the owners of a building's units as a debtors CSV (DEBTOR_FIELDS header)."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(DEBTOR_FIELDS)
        for d in iter_hoa_units(units, seed=seed, today=today):
            writer.writerow(_debtor_row(d))


def _month_starts(today: date, months: int) -> list[date]:
    starts = []
    year, month = today.year, today.month
    for _ in range(months):
        starts.append(date(year, month, 1))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return list(reversed(starts))


def iter_hoa_obligations(*, units: int, months: int = 18, seed: int = 1, today: date) -> Iterator[tuple]:
    """Monthly HOA fees (kind hoa_fee, due the 10th) of each unit over the last `months` months, this one included.

    The fee depends on the unit's area (coefficient) and rises ~9% each January.
    """
    rng = random.Random(seed * 131 + 7)
    starts = _month_starts(today, months)
    for owner in iter_hoa_units(units, seed=seed, today=today):
        base = rng.choice((380_000, 420_000, 465_000, 510_000, 580_000, 640_000, 720_000))
        for start in starts:
            fee = int(base / 1.09 ** (today.year - start.year) / 100) * 100
            due = start + timedelta(days=9)
            yield (f"CA-{start.year}{start.month:02d}-{owner.code}", owner.code, owner.name, owner.id_type,
                   owner.id_number, owner.phone, owner.email, "hoa_fee", dmy(start), dmy(due), f"{fee}.00", "COP",
                   f"Cuota de administración {MONTHS_ES[start.month - 1]} {start.year}")


def write_hoa_obligations(path, *, units: int, months: int = 18, seed: int = 1, today: date) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(OBLIGATION_FIELDS)
        writer.writerows(iter_hoa_obligations(units=units, months=months, seed=seed, today=today))


# -- payments ---------------------------------------------------------------------------------------------------


def _profile(seed: int, debtor_code: str) -> float:
    """A debtor's payment habit in [0, 1): below 0.65 pays well, 0.65-0.88 pays late, above that falls behind."""
    return (zlib.crc32(f"{seed}:{debtor_code}".encode()) % 10_000) / 10_000


def _parse_dmy(text: str) -> int:
    d, m, y = text.split("/")
    return date(int(y), int(m), int(d)).toordinal()


def iter_payments(rows, *, seed: int = 1, today: date) -> Iterator[tuple]:
    """Payments (PAYMENT_FIELDS order) for obligation rows (OBLIGATION_FIELDS order or dicts with those keys).

    Older and smaller invoices are more likely paid; a debtor's habit (good, late, behind) shifts the odds.
    Payments fall after the issue date and on or before `today` (one that would come later is not made yet, so no
    day gathers the future's payments); about 8% name only the debtor. References are unique.
    """
    rng = random.Random(seed * 15485863 + 11)
    date_text = _DateText()
    today_o = today.toordinal()
    serial = 0
    parse_cache: dict[str, int] = {}

    def ordinal(text: str) -> int:
        value = parse_cache.get(text)
        if value is None:
            value = parse_cache[text] = _parse_dmy(text)
        return value

    for row in rows:
        if isinstance(row, dict):
            number, code, issue_t, due_t, amount_t = (row["number"], row["debtor_code"], row["issue_date"],
                                                      row["due_date"], row["amount"])
        else:
            number, code, issue_t, due_t, amount_t = row[0], row[1], row[8], row[9], row[10]
        issue, due = ordinal(issue_t), ordinal(due_t)
        if issue > today_o:
            continue
        amount = int(float(amount_t))
        habit = _profile(seed, code)
        days_past_due = today_o - due
        if days_past_due < 0:
            p_full = 0.12
        elif days_past_due <= 30:
            p_full = 0.45
        elif days_past_due <= 90:
            p_full = 0.75
        else:
            p_full = 0.9
        if habit < 0.65:
            p_full = min(0.97, p_full + 0.15)
        elif habit >= 0.88:
            p_full *= 0.35 if days_past_due < 365 else 0.6
        if amount < 1_000_000:
            p_full = min(0.98, p_full + 0.05)
        elif amount > 10_000_000:
            p_full *= 0.85
        p_partial = 0.1 if habit < 0.88 else 0.25
        draw = rng.random()
        if draw < p_full:
            share = amount
        elif draw < p_full + p_partial:
            share = max(1000, int(amount * rng.uniform(0.2, 0.8) / 1000) * 1000)
        else:
            continue
        parts = 1 if share < 2_000_000 or rng.random() < 0.8 else rng.choice((2, 3))
        # When the debtor pays: good payers around the due date, late ones weeks after.
        lag_mean = 8 if habit < 0.65 else 35 if habit < 0.88 else 70
        first = due + int(rng.expovariate(1 / lag_mean)) - rng.randrange(0, 20)
        first = max(first, issue + 1)
        if first > today_o:  # not paid yet (clamping it to today piled weeks of payments onto one day)
            continue
        paid = 0
        for part in range(parts):
            value = share - paid if part == parts - 1 else int(share / parts / 1000) * 1000
            paid += value
            if value <= 0:
                continue
            when = first + part * rng.randrange(15, 45)
            if when > today_o:  # the later parts of the payment plan have not come yet
                break
            method = rng.choices(_METHOD_NAMES, _METHOD_WEIGHTS)[0]
            serial += 1
            reference = f"{method[:3].upper()}-{seed}-{serial:08d}"
            named = "" if rng.random() < 0.08 else number
            yield (named, code, date_text(when), f"{value}.00", method, _ascii(reference))


def write_payments(path, *, obligations_csv=None, debtors: int | None = None, obligations: int | None = None,
                   seed: int = 1, today: date) -> None:
    """Write a payments CSV (PAYMENT_FIELDS header) for an obligations CSV, or for the invoices
    write_flat_obligations would write with `debtors`/`obligations`/`seed` (generated again, not stored)."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(PAYMENT_FIELDS)
        if obligations_csv is not None:
            with open(obligations_csv, newline="", encoding="utf-8") as src:
                reader = csv.reader(src)
                next(reader, None)
                writer.writerows(iter_payments(reader, seed=seed, today=today))
        else:
            if debtors is None or obligations is None:
                raise ValueError("write_payments needs obligations_csv or debtors and obligations")
            rows = iter_flat_obligations(debtors=debtors, obligations=obligations, seed=seed, today=today)
            writer.writerows(iter_payments(rows, seed=seed, today=today))


def generate(out_dir, *, debtors: int, obligations: int, seed: int = 1, today: date) -> dict[str, Path]:
    """debtors.csv, obligations.csv and payments.csv in out_dir; returns their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"debtors": out / "debtors.csv", "obligations": out / "obligations.csv",
             "payments": out / "payments.csv"}
    write_debtors(paths["debtors"], debtors=debtors, seed=seed, today=today)
    write_flat_obligations(paths["obligations"], debtors=debtors, obligations=obligations, seed=seed, today=today)
    write_payments(paths["payments"], obligations_csv=paths["obligations"], seed=seed, today=today)
    return paths
