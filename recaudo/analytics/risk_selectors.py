"""Payment prediction, the reading and fitting part (no writes): a portfolio's obligations as arrays, fitting the
scikit-learn estimators on what was known before a day, predicting, the backtest, loading a stored model (only
when its signature is ours) and the credit policy's monthly review list. risk_services.py stores what this
computes; risk_rules.py holds the pure rules."""

from __future__ import annotations

import hashlib
import hmac
import io
from dataclasses import dataclass, field
from datetime import date

import joblib
import numpy as np
import sklearn
from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from recaudo.core.errors import DomainError
from recaudo.portfolio.models import Contact, Obligation, Portfolio
from recaudo.strategies.models import DebtorStrategyState

from . import risk_rules as rr
from .models import DebtorCredit, RiskModel

LATE_DAYS = 0  # the label: paid after the due date (docs/analytics.md); stored with each model
SETTLING_KINDS = ("payment", "discount", "write_off")
SIGNING_SALT = "recaudo.analytics.risk-model"


class RiskError(DomainError):
    pass


def _day_sql(column: str) -> str:
    """A date column as its proleptic ordinal (date.toordinal()), computed by the database."""
    if connection.vendor == "postgresql":
        return f"({column} - DATE '0001-01-01' + 1)"
    return f"CAST(julianday({column}) - 1721424.5 AS INTEGER)"


@dataclass
class Book:
    """A portfolio's obligations as arrays of one length (days as ordinals, settled -1 while owed)."""

    id: np.ndarray
    debtor: np.ndarray
    kind: np.ndarray
    issue: np.ndarray
    due: np.ndarray
    amount: np.ndarray
    balance: np.ndarray
    disputed: np.ndarray
    open: np.ndarray  # status open (owes and is collectable)
    settled: np.ndarray
    has_phone: np.ndarray
    has_email: np.ndarray
    debtor_disputed: dict = field(default_factory=dict)

    @property
    def history(self) -> rr.History:
        return rr.History(self.debtor, self.issue, self.due, self.settled)

    def prior(self, day=None, late_days: int = LATE_DAYS) -> rr.Prior:
        return rr.prior(self.history, self.debtor, self.issue if day is None else day, late_days)

    def features(self, mask=None, late_days: int = LATE_DAYS) -> tuple[np.ndarray, rr.Prior]:
        m = slice(None) if mask is None else mask
        p = rr.prior(self.history, self.debtor[m], self.issue[m], late_days)
        x = rr.feature_matrix(p, amount_minor=self.amount[m], terms_days=self.due[m] - self.issue[m],
                              disputed=self.disputed[m], has_phone=self.has_phone[m], has_email=self.has_email[m],
                              kind=self.kind[m])
        return x, p


def load_book(portfolio: Portfolio) -> Book:
    """Two queries: the obligations with their settled day (the last payment, discount or write-off of one that
    owes nothing), and the debtors' phone and e-mail contacts. Every column comes as an integer (days as ordinals,
    the kind as its index in risk_rules.KINDS, flags as 0/1, -1 for none), so a million rows become one integer
    array in one conversion instead of a Python pass per column."""
    ob = Obligation._meta.db_table
    kind = "CASE o.kind " + " ".join(f"WHEN '{k}' THEN {i}" for i, k in enumerate(rr.KINDS)) + \
        f" ELSE {len(rr.KINDS) - 1} END"
    sql = (f"SELECT o.id, o.debtor_id, {kind}, {_day_sql('o.issue_date')}, {_day_sql('o.due_date')}, "
           f"o.original_minor, o.balance_minor, CASE WHEN o.disputed THEN 1 ELSE 0 END, "
           f"CASE WHEN o.status = 'open' THEN 1 ELSE 0 END, "
           f"COALESCE((SELECT {_day_sql('MAX(e.value_date)')} FROM ledger_entry e WHERE e.obligation_id = o.id "
           f"AND o.status IN ('paid', 'written_off') AND e.kind IN ('payment', 'discount', 'write_off')), -1) "
           f"FROM {ob} o WHERE o.portfolio_id = %s ORDER BY o.id")
    with connection.cursor() as cursor:
        cursor.execute(sql, [portfolio.pk])
        rows = cursor.fetchall()
        cursor.execute(f"SELECT c.debtor_id, c.channel FROM {Contact._meta.db_table} c JOIN portfolio_debtor d "
                       f"ON d.id = c.debtor_id WHERE d.portfolio_id = %s AND c.channel IN ('phone', 'whatsapp', "
                       f"'email')", [portfolio.pk])
        contacts = cursor.fetchall()
    table = np.array(rows, dtype=np.int64).reshape(len(rows), 10)
    del rows
    debtor = table[:, 1].copy()
    phones = np.array(sorted({d for d, c in contacts if c != "email"}), dtype=np.int64)
    emails = np.array(sorted({d for d, c in contacts if c == "email"}), dtype=np.int64)
    return Book(id=table[:, 0].copy(), debtor=debtor, kind=np.array(rr.KINDS, dtype=object)[table[:, 2]],
                issue=table[:, 3].copy(), due=table[:, 4].copy(), amount=table[:, 5].copy(),
                balance=table[:, 6].copy(), disputed=table[:, 7] == 1, open=table[:, 8] == 1,
                settled=table[:, 9].copy(), has_phone=np.isin(debtor, phones), has_email=np.isin(debtor, emails))


# ---------------------------------------------------------------------------------------------------------------
# Fitting and predicting
# ---------------------------------------------------------------------------------------------------------------
@dataclass
class Fitted:
    kind: str  # RiskModel.Kind
    known_on: date
    rows: int
    late_days: int
    window: tuple[date | None, date | None]
    estimators: dict | None  # classifier, calibrator, regressor (None: rules)
    metrics: dict
    default_days_late: float
    note: str = ""

    def predict(self, x: np.ndarray, p: rr.Prior, disputed, terms) -> tuple[np.ndarray, np.ndarray]:
        """(probability of paying late, expected days from issue to payment) per row."""
        if not len(x):
            return np.zeros(0), np.zeros(0)
        if self.estimators is None:
            return rr.rule_probability(p, disputed), rr.rule_expected_days(p, terms, self.default_days_late)
        raw = self.estimators["classifier"].predict_proba(x)[:, 1]
        probability = np.clip(self.estimators["calibrator"].predict(raw), 0.0, 1.0)
        regressor = self.estimators.get("regressor")
        days = (np.maximum(regressor.predict(x), 0.0) if regressor is not None
                else rr.rule_expected_days(p, terms, self.default_days_late))
        return probability, days


def fit(book: Book, known_on: date, late_days: int = LATE_DAYS) -> Fitted:
    with threadpool_limits(limits=1):
        return _fit(book, known_on, late_days)


def _fit(book: Book, known_on: date, late_days: int) -> Fitted:
    """Fit on what was known before `known_on` only: the obligations issued before it whose label was known then
    (settled before it, or already past due by more than `late_days`), their features as of their issue date.
    The earliest 80 % (by issue date) fit a logistic regression, the latest 20 % calibrate it (isotonic); the
    days to pay of the obligations settled before `known_on` fit a ridge regression. One thread (threadpoolctl):
    the machine's cores are shared with the web and the worker. Fewer than
    MIN_TRAINING_ROWS labelled rows, or one class only: the rule-based score."""
    day = known_on.toordinal()
    late, known = rr.labels(due=book.due, settled=book.settled, late_days=late_days, known_on=day)
    rows = known & (book.issue < day)
    settled_before = (book.settled >= 0) & (book.settled < day)
    default_late = float(np.maximum(book.settled[settled_before] - book.due[settled_before], 0).mean()) \
        if settled_before.any() else 0.0
    idx = np.flatnonzero(rows)
    window = ((date.fromordinal(int(book.issue[idx].min())), date.fromordinal(int(book.issue[idx].max())))
              if len(idx) else (None, None))
    y = late[idx]
    base = {"known_on": known_on, "rows": int(len(idx)), "late_days": late_days, "window": window,
            "default_days_late": default_late}
    if len(idx) < rr.MIN_TRAINING_ROWS or len(np.unique(y)) < 2:
        note = _("%(rows)s labelled obligations (at least %(min)s of both outcomes are needed): rule-based score") % {
            "rows": len(idx), "min": rr.MIN_TRAINING_ROWS}
        return Fitted(kind=RiskModel.Kind.RULES, estimators=None, metrics={"late_share": float(y.mean()) if len(y)
                                                                                      else None}, note=note, **base)
    x, _p = book.features(idx, late_days)
    order = np.argsort(book.issue[idx], kind="stable")
    x, y = x[order], y[order]
    cut = int(len(y) * (1 - rr.CALIBRATION_SHARE))
    if len(np.unique(y[:cut])) < 2 or cut == len(y):
        cut = len(y)  # one class in the earlier part: fit on all and calibrate on the same rows
    classifier = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))
    classifier.fit(x[:cut], y[:cut])
    cal_x, cal_y = (x[cut:], y[cut:]) if cut < len(y) else (x, y)
    raw = classifier.predict_proba(cal_x)[:, 1]
    calibrator = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(raw, cal_y)
    estimators = {"classifier": classifier, "calibrator": calibrator, "regressor": None}
    settled_rows = np.flatnonzero(settled_before & (book.issue < day))
    if len(settled_rows) >= rr.MIN_TRAINING_ROWS:
        sx, _sp = book.features(settled_rows, late_days)
        estimators["regressor"] = make_pipeline(StandardScaler(), Ridge()).fit(
            sx, (book.settled[settled_rows] - book.issue[settled_rows]).astype(float))
    calibrated = np.clip(calibrator.predict(raw), 0, 1)
    metrics = {"calibration_rows": int(len(cal_y)), "late_share": float(y.mean())}
    if len(np.unique(cal_y)) == 2:
        metrics.update(auc=float(roc_auc_score(cal_y, calibrated)), brier=float(brier_score_loss(cal_y, calibrated)))
    return Fitted(kind=RiskModel.Kind.MODEL, estimators=estimators, metrics=metrics, **base)


def sign(blob: bytes) -> str:
    key = hashlib.sha256((SIGNING_SALT + settings.SECRET_KEY).encode()).digest()
    return hmac.new(key, blob, hashlib.sha256).hexdigest()


def dump(estimators: dict) -> bytes:
    buffer = io.BytesIO()
    joblib.dump(estimators, buffer)
    return buffer.getvalue()


def latest_model(portfolio: Portfolio) -> RiskModel | None:
    return RiskModel.objects.filter(portfolio=portfolio).order_by("-version").first()


def fitted_from(row: RiskModel) -> Fitted:
    """The stored model, its estimators unpickled only when the signature made with this installation's key
    matches the bytes (anything else could run code when unpickled): RiskError otherwise."""
    estimators = None
    if row.kind == RiskModel.Kind.MODEL:
        blob = bytes(row.estimator or b"")
        if not blob or not hmac.compare_digest(sign(blob), row.signature or ""):
            raise RiskError(_("The stored risk model's signature does not match: train it again "
                              "(recaudo risk train)."), field="model")
        estimators = joblib.load(io.BytesIO(blob))
    return Fitted(kind=row.kind, known_on=row.known_on, rows=row.rows, late_days=row.late_days,
                  window=(row.window_from, row.window_to), estimators=estimators, metrics=row.metrics,
                  default_days_late=float(row.metrics.get("default_days_late", 0.0)))


# ---------------------------------------------------------------------------------------------------------------
# Backtest
# ---------------------------------------------------------------------------------------------------------------
@dataclass
class Backtest:
    portfolio: Portfolio
    split: date
    kind: str
    train_rows: int
    test_rows: int
    late_share: float | None
    auc: float | None
    brier: float | None
    deciles: list
    lift: float | None
    note: str

    def to_json(self) -> dict:
        return {"portfolio": self.portfolio.slug, "split": self.split.isoformat(), "kind": self.kind,
                "train_rows": self.train_rows, "test_rows": self.test_rows, "late_share": self.late_share,
                "auc": self.auc, "brier": self.brier, "top_decile_lift": self.lift, "note": self.note,
                "deciles": [{"decile": d.decile, "count": d.count, "predicted": round(d.predicted, 4),
                             "observed": round(d.observed, 4)} for d in self.deciles]}


def backtest(*, portfolio: Portfolio, split: date, today: date | None = None, late_days: int = LATE_DAYS,
             book: Book | None = None) -> Backtest:
    """Train on what was known before `split`, then predict the obligations issued on or after it whose outcome
    is known today: AUC, Brier score, calibration by decile and the lift of the top decile."""
    today = today or portfolio.today()
    if split > today:
        raise RiskError(_("The split date cannot be after today (%(today)s).") % {"today": today}, field="split")
    book = book if book is not None else load_book(portfolio)
    fitted = fit(book, split, late_days)
    late, known = rr.labels(due=book.due, settled=book.settled, late_days=late_days, known_on=today.toordinal() + 1)
    test = np.flatnonzero(known & (book.issue >= split.toordinal()))
    x, p = book.features(test, late_days)
    probability, _days = fitted.predict(x, p, book.disputed[test], book.due[test] - book.issue[test])
    y = late[test]
    two = len(np.unique(y)) == 2
    return Backtest(
        portfolio=portfolio, split=split, kind=fitted.kind, train_rows=fitted.rows, test_rows=int(len(test)),
        late_share=float(y.mean()) if len(y) else None,
        auc=float(roc_auc_score(y, probability)) if two else None,
        brier=float(brier_score_loss(y, probability, pos_label=True)) if len(y) and two else None,
        deciles=rr.calibration_by_decile(probability, y) if len(y) else [],
        lift=rr.top_decile_lift(probability, y) if len(y) else None, note=fitted.note)


# ---------------------------------------------------------------------------------------------------------------
# Credit policy: the monthly review list
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReviewRow:
    debtor_id: int
    code: str
    name: str
    category: str
    exposure_minor: int
    limit_minor: int
    suggested_minor: int
    reasons: list


def credit_review(*, portfolio: Portfolio, today: date | None = None) -> list[ReviewRow]:
    """Debtors with a credit limit whose risk category or exposure changed since their limit was set, whose
    exposure is above it, or whose review date came; with the suggested limit (risk_rules.suggested_limit, from
    the average monthly billing of the last 12 months) and the reasons."""
    today = today or portfolio.today()
    since = today.replace(year=today.year - 1) if not (today.month == 2 and today.day == 29) else \
        today.replace(year=today.year - 1, day=28)
    credits = list(DebtorCredit.objects.filter(portfolio=portfolio).select_related("debtor").order_by("debtor_id"))
    if not credits:
        return []
    ids = [c.debtor_id for c in credits]
    states = dict(DebtorStrategyState.objects.filter(debtor_id__in=ids).values_list("debtor_id", "risk_category"))
    billing = {}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT debtor_id, SUM(original_minor) FROM {Obligation._meta.db_table} WHERE portfolio_id "
                       f"= %s AND issue_date >= %s AND issue_date <= %s GROUP BY debtor_id",
                       [portfolio.pk, since, today])
        billing = {d: int(s) for d, s in cursor.fetchall()}
    out = []
    for c in credits:
        now = states.get(c.debtor_id) or ""
        exposure = c.debtor.balance_minor
        why = rr.review_reasons(category_now=now, category_then=c.category_then, exposure_now=exposure,
                                exposure_then=c.exposure_then_minor, limit=c.limit_minor,
                                review_on_passed=c.review_on <= today)
        if why:
            out.append(ReviewRow(debtor_id=c.debtor_id, code=c.debtor.code, name=c.debtor.name, category=now,
                                 exposure_minor=exposure, limit_minor=c.limit_minor,
                                 suggested_minor=rr.suggested_limit(now, billing.get(c.debtor_id, 0) // 12),
                                 reasons=why))
    return out


def library_version() -> str:
    return f"scikit-learn {sklearn.__version__}"
