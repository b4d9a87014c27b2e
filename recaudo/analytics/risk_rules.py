"""Payment prediction and risk, the pure part: the features of an obligation as known on its issue date, the
rule-based score used when a portfolio has too little history for a model, the risk category (A-D) of a
probability, the reasons shown for a debtor, the backtest's calibration table and lift, and the credit policy's
suggested limit. No database, no clock, no settings: arrays and plain values in, arrays and plain values out.

Days are integers (date.toordinal()); "settled" is the day an obligation stopped owing (its last payment,
discount or write-off), -1 while it owes. An obligation is *late* when it was settled more than `late_days` days
after its due date, or is still owed past that (docs/analytics.md "Payment prediction and risk")."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recaudo.strategies.rules import explain_risk_reason as explain_reason  # noqa: F401 (worded there)

KINDS = ("invoice", "installment", "loan", "hoa_fee", "fine", "other")  # portfolio.Obligation.Kind
FEATURES = (
    "prior_settled_log", "no_history", "prior_late_ratio", "prior_avg_days_late", "prior_avg_days_to_settle",
    "open_at_issue", "amount_log", "terms_days", "disputed", "has_phone", "has_email",
    *(f"kind_{k}" for k in KINDS),
)
MIN_TRAINING_ROWS = 200  # fewer labelled obligations (or one class only): the rule-based score
CALIBRATION_SHARE = 0.2  # the latest fifth of the training rows (by issue date) calibrates the probabilities
LATE_REASON_DAYS = 30  # "4 of the last 5 ... more than 30 days late"
RECENT = 5  # the last obligations the reasons look at

# Risk categories from the probability of paying late: [0, 0.15) A, [0.15, 0.35) B, [0.35, 0.60) C, [0.60, 1] D.
CATEGORY_CUTS = ((0.15, "A"), (0.35, "B"), (0.60, "C"))
CATEGORIES = ("A", "B", "C", "D")
_SHIFT = 1 << 22  # key = debtor id * _SHIFT + day: days (ordinals, ~740,000 today) stay below 4.19 million


def category(probability: float) -> str:
    """0.10 -> "A", 0.15 -> "B", 0.34 -> "B", 0.35 -> "C", 0.60 -> "D"."""
    for cut, label in CATEGORY_CUTS:
        if probability < cut:
            return label
    return "D"


def categories(probabilities: np.ndarray) -> np.ndarray:
    """category() of each probability, vectorised."""
    cuts = np.array([c for c, _ in CATEGORY_CUTS])
    return np.array(CATEGORIES)[np.searchsorted(cuts, np.asarray(probabilities, dtype=float), side="right")]


def risk_score(probability: float) -> int:
    """The debtor's risk score for segment conditions and the priority: the probability in whole percent, 0..100."""
    return int(round(min(max(float(probability), 0.0), 1.0) * 100))


# ---------------------------------------------------------------------------------------------------------------
# Features
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class History:
    """Every obligation of the debtors concerned (settled or not), as arrays of one length."""

    debtor: np.ndarray  # int64
    issue: np.ndarray  # day ordinals
    due: np.ndarray
    settled: np.ndarray  # -1: not settled

    @classmethod
    def of(cls, debtor, issue, due, settled) -> History:
        return cls(*(np.asarray(a, dtype=np.int64) for a in (debtor, issue, due, settled)))


@dataclass(frozen=True)
class Prior:
    """What was known of the debtor's obligations on a day, for each (debtor, day) asked: the number settled
    strictly before the day, how many of them were late, their summed days late and days to settle, and the
    obligations issued before the day still owed on it."""

    settled: np.ndarray
    late: np.ndarray
    days_late: np.ndarray
    days_to_settle: np.ndarray
    open: np.ndarray

    @property
    def late_ratio(self) -> np.ndarray:
        return np.divide(self.late, self.settled, out=np.zeros(len(self.late)), where=self.settled > 0)

    @property
    def avg_days_late(self) -> np.ndarray:
        return np.divide(self.days_late, self.settled, out=np.zeros(len(self.late)), where=self.settled > 0)

    @property
    def avg_days_to_settle(self) -> np.ndarray:
        return np.divide(self.days_to_settle, self.settled, out=np.zeros(len(self.late)), where=self.settled > 0)


def prior(history: History, debtor: np.ndarray, day: np.ndarray, late_days: int = 0) -> Prior:
    """The debtor's record as known on `day` (no leakage: only obligations settled strictly before the day count,
    and open ones are those issued before it and not settled before it). Set-based: sorted keys and cumulative
    sums, one binary search per row asked."""
    debtor = np.asarray(debtor, dtype=np.int64)
    day = np.asarray(day, dtype=np.int64)
    done = history.settled >= 0
    ev_key = history.debtor[done] * _SHIFT + history.settled[done]
    order = np.argsort(ev_key, kind="stable")
    ev_key = ev_key[order]
    late_by = (history.settled[done] - history.due[done])[order]
    to_settle = (history.settled[done] - history.issue[done])[order]

    def cum(values):
        return np.concatenate(([0], np.cumsum(values, dtype=np.int64)))

    c_late, c_days, c_settle = cum(late_by > late_days), cum(np.maximum(late_by, 0)), cum(to_settle)
    q_key, q_start = debtor * _SHIFT + day, debtor * _SHIFT
    hi, lo = np.searchsorted(ev_key, q_key, side="left"), np.searchsorted(ev_key, q_start, side="left")
    issued = np.sort(history.debtor * _SHIFT + history.issue)
    issued_before = np.searchsorted(issued, q_key, side="left") - np.searchsorted(issued, q_start, side="left")
    settled = hi - lo
    return Prior(settled=settled, late=c_late[hi] - c_late[lo], days_late=c_days[hi] - c_days[lo],
                 days_to_settle=c_settle[hi] - c_settle[lo], open=issued_before - settled)


def feature_matrix(p: Prior, *, amount_minor, terms_days, disputed, has_phone, has_email, kind) -> np.ndarray:
    """One row per obligation, the columns of FEATURES, from its Prior on its issue date and what the obligation
    itself says on that date."""
    n = len(p.settled)
    kind = np.asarray(kind)
    columns = [
        np.log1p(p.settled), (p.settled == 0).astype(float), p.late_ratio, p.avg_days_late, p.avg_days_to_settle,
        p.open.astype(float), np.log1p(np.maximum(np.asarray(amount_minor, dtype=float), 0)),
        np.asarray(terms_days, dtype=float), np.asarray(disputed, dtype=float), np.asarray(has_phone, dtype=float),
        np.asarray(has_email, dtype=float),
        *((kind == k).astype(float) for k in KINDS),
    ]
    matrix = np.column_stack(columns) if n else np.zeros((0, len(FEATURES)))
    return matrix.astype(float)


def labels(*, due, settled, late_days: int, known_on: int) -> tuple[np.ndarray, np.ndarray]:
    """(late, known): an obligation is late when settled more than `late_days` after its due date or still owed
    past that; the label is known on day `known_on` when it was settled before that day or its due date plus
    `late_days` is already behind (then it is late whatever happens next)."""
    due, settled = np.asarray(due, dtype=np.int64), np.asarray(settled, dtype=np.int64)
    done_before = (settled >= 0) & (settled < known_on)
    late = np.where(done_before, settled - due > late_days, True)
    known = done_before | (due + late_days < known_on)
    return late & known, known


# ---------------------------------------------------------------------------------------------------------------
# Rule-based score (too little history for a model)
# ---------------------------------------------------------------------------------------------------------------
def rule_probability(p: Prior, disputed) -> np.ndarray:
    """(late before + 1) / (settled before + 3): a debtor without history starts at 1/3 and moves towards their
    own late ratio as obligations settle; + 0.15 when the obligation is disputed, + 0.05 for each obligation
    open at issue beyond two (at most + 0.15); clipped to [0, 1]. 4 late of 5: 5/8 = 0.625; none of 7:
    1/10 = 0.1; no history, disputed: 1/3 + 0.15 = 0.4833."""
    base = (p.late + 1) / (p.settled + 3)
    extra = 0.15 * np.asarray(disputed, dtype=float) + np.minimum(np.maximum(p.open - 2, 0) * 0.05, 0.15)
    return np.clip(base + extra, 0.0, 1.0)


def rule_expected_days(p: Prior, terms_days, default_days_late: float) -> np.ndarray:
    """Days from issue to payment: the terms plus the debtor's average days late before (the portfolio's average
    when the debtor has no history). Terms 30, 12 days late on average: 42."""
    late = np.where(p.settled > 0, p.avg_days_late, default_days_late)
    return np.asarray(terms_days, dtype=float) + late


# ---------------------------------------------------------------------------------------------------------------
# Reasons
# ---------------------------------------------------------------------------------------------------------------
def recent_late(debtor, due, settled, *, days: int = LATE_REASON_DAYS, recent: int = RECENT) -> dict[int, tuple]:
    """Per debtor with settled obligations: (how many of the last `recent` settled were settled more than `days`
    days after their due date, how many that is (<= recent), how many were late at all), set-based."""
    debtor, due, settled = (np.asarray(a, dtype=np.int64) for a in (debtor, due, settled))
    done = settled >= 0
    debtor, due, settled = debtor[done], due[done], settled[done]
    if not len(debtor):
        return {}
    order = np.lexsort((settled, debtor))
    debtor, late_by = debtor[order], (settled - due)[order]
    ids, start, counts = np.unique(debtor, return_index=True, return_counts=True)
    end = np.repeat(start + counts, counts)
    last = (end - np.arange(len(debtor))) <= recent
    group = np.repeat(np.arange(len(ids)), counts)
    very = np.bincount(group[last], weights=(late_by[last] > days), minlength=len(ids))
    any_late = np.bincount(group[last], weights=(late_by[last] > 0), minlength=len(ids))
    shown = np.minimum(counts, recent)
    return {int(d): (int(v), int(s), int(a)) for d, v, s, a in zip(ids, very, shown, any_late, strict=True)}


def reasons(*, recent: tuple | None, settled: int, avg_days_late: float, open_count: int, disputed: bool,
            rules_only: bool, limit: int = 3) -> list[list]:
    """The top reasons for a debtor's category, most telling first, as [code, numbers...] (explain_reason() words
    them): very late recently, late on average, many open, disputed, on time recently, no history / rules."""
    out: list[list] = []
    very, shown, any_late = recent or (0, 0, 0)
    if very:
        out.append(["late_recent", very, shown, LATE_REASON_DAYS])
    if settled and avg_days_late >= 1:
        out.append(["avg_late", int(round(avg_days_late)), settled])
    if open_count >= 3:
        out.append(["open_many", open_count])
    if disputed:
        out.append(["disputed"])
    if shown and not any_late:
        out.append(["on_time", shown])
    if not settled:
        out.append(["no_history"])
    if rules_only:
        out.append(["rules"])
    return out[:limit]


# ---------------------------------------------------------------------------------------------------------------
# Backtest metrics (AUC and Brier score come from scikit-learn)
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Decile:
    decile: int  # 1 = the highest predicted probabilities
    count: int
    predicted: float  # mean predicted probability
    observed: float  # share that was late


def calibration_by_decile(probabilities, outcomes, groups: int = 10) -> list[Decile]:
    """Rows sorted by predicted probability, highest first, cut into `groups` groups as equal as can be (the first
    ones one larger); per group the mean prediction and the observed late share."""
    p = np.asarray(probabilities, dtype=float)
    y = np.asarray(outcomes, dtype=float)
    order = np.argsort(-p, kind="stable")
    out = []
    for i, idx in enumerate(np.array_split(order, groups), start=1):
        if len(idx):
            out.append(Decile(i, len(idx), float(p[idx].mean()), float(y[idx].mean())))
    return out


def top_decile_lift(probabilities, outcomes) -> float | None:
    """Late share in the top decile / late share overall; None when nobody was late. 2 late of the top 2 of 20
    with 5 late overall: 1.0 / 0.25 = 4.0."""
    y = np.asarray(outcomes, dtype=float)
    if not len(y) or not y.any():
        return None
    top = calibration_by_decile(probabilities, outcomes)[0]
    return top.observed / float(y.mean())


# ---------------------------------------------------------------------------------------------------------------
# Credit policy
# ---------------------------------------------------------------------------------------------------------------
LIMIT_MONTHS = {"A": 3, "B": 2, "C": 1, "D": 0}  # months of the debtor's average billing a category may owe
EXPOSURE_CHANGE = 0.25  # a change of a quarter or more of the exposure at the last review asks for a review


def suggested_limit(risk_category: str, monthly_billing_minor: int) -> int:
    """Months of average billing the category may owe: A 3, B 2, C 1, D 0 (cash only). B billing 1,500,000 a
    month: 3,000,000."""
    return LIMIT_MONTHS.get(risk_category, 0) * max(int(monthly_billing_minor), 0)


def review_reasons(*, category_now: str, category_then: str, exposure_now: int, exposure_then: int, limit: int | None,
                   review_on_passed: bool) -> list[list]:
    """Why a debtor is on the monthly review list ([] = not on it): the category changed, the exposure moved
    by a quarter or more since the last review, the exposure is above the limit, or the review date came."""
    out: list[list] = []
    if category_then and category_now and category_now != category_then:
        out.append(["category", category_then, category_now])
    if abs(exposure_now - exposure_then) >= EXPOSURE_CHANGE * max(exposure_then, 1) and exposure_now != exposure_then:
        out.append(["exposure", exposure_then, exposure_now])
    if limit is not None and exposure_now > limit:
        out.append(["over_limit", exposure_now, limit])
    if review_on_passed:
        out.append(["review_due"])
    return out
