"""Payment prediction end to end: the backtest on a synthetic history where late payers are identifiable, training
and scoring a real (small) ledger, the stored model's signature, the debtors' risk where segments and the
priority read it, the credit policy and the `risk` command."""

import json
from datetime import UTC, date, datetime

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from recaudo.analytics import risk_rules as rr
from recaudo.analytics.models import DebtorCredit, ObligationRisk, RiskModel
from recaudo.analytics.risk_selectors import RiskError, backtest, credit_review, fit, fitted_from, load_book
from recaudo.analytics.risk_services import credit_set, risk_score, risk_train
from recaudo.analytics.tests.synthetic import synthetic_book
from recaudo.audit.models import AuditEvent
from recaudo.demo.testing import make_portfolio
from recaudo.reports.tests.factories import build_book
from recaudo.strategies.models import DebtorStrategyState

NOW = datetime(2026, 11, 22, 20, 0, tzinfo=UTC)


def test_backtest_on_a_synthetic_history_finds_the_late_payers():
    book = synthetic_book()
    fitted = fit(book, date(2025, 6, 1))
    assert fitted.kind == RiskModel.Kind.MODEL and fitted.rows > 1000
    assert fitted.window[1] < date(2025, 6, 1)  # nothing issued on or after the split was used
    result = _backtest(book)
    assert result.auc > 0.8 and result.test_rows > 1000
    assert 0 < result.brier < 0.2
    assert result.lift > 2  # the top decile is late much more often than the average
    top = result.deciles[0]
    assert top.observed > 0.7 and abs(top.predicted - top.observed) < 0.15  # calibrated


class _P:
    slug = "synthetic"

    @staticmethod
    def today():
        return date(2026, 1, 1)


def _backtest(book, split=date(2025, 6, 1)):
    return backtest(portfolio=_P(), split=split, today=date(2026, 1, 1), book=book)


def test_too_little_history_falls_back_to_the_rules_and_says_so():
    book = synthetic_book(debtors=5, months=6)
    result = _backtest(book, split=date(2024, 5, 1))
    assert result.kind == RiskModel.Kind.RULES and "200" in result.note
    assert result.test_rows > 0


def test_training_on_what_was_known_before_the_split_ignores_later_outcomes():
    """Change every outcome settled on or after the split: the model fitted before it predicts the same."""
    book = synthetic_book()
    split = date(2025, 6, 1).toordinal()
    fitted = fit(book, date(2025, 6, 1))
    changed = synthetic_book()
    later = changed.settled >= split
    changed.settled[later] = changed.due[later] + 200  # everything later was very late
    refitted = fit(changed, date(2025, 6, 1))
    x, p = book.features()
    a = fitted.predict(x, p, book.disputed, book.due - book.issue)[0]
    b = refitted.predict(x, p, book.disputed, book.due - book.issue)[0]
    assert np.allclose(a, b)


@pytest.mark.django_db
class TestLedger:
    @pytest.fixture
    def book(self):
        portfolio = make_portfolio()
        return portfolio, build_book(portfolio)

    def test_load_book_reads_the_settled_day_from_the_ledger(self, book):
        portfolio, ob = book
        b = load_book(portfolio)
        settled = dict(zip(b.id.tolist(), b.settled.tolist(), strict=True))
        assert settled[ob["f5"].pk] == date(2026, 9, 5).toordinal()  # paid in full on 5 Sep
        assert settled[ob["f2"].pk] == -1  # partly paid: still owes
        assert b.open.sum() == 4 and b.disputed.sum() == 1

    def test_train_and_score_a_small_ledger_with_the_rules(self, book):
        portfolio, ob = book
        row = risk_train(portfolio=portfolio, actor="test", now=NOW)
        assert (row.version, row.kind, row.estimator, row.signature) == (1, "rules", None, "")
        assert "200" in row.metrics["note"]
        result = risk_score(portfolio=portfolio, actor="test", now=NOW)
        assert result["obligations"] == 4 and result["debtors"] == 2
        risks = {r.obligation_id: r for r in ObligationRisk.objects.all()}
        # C002's F-4 was issued 1 Jun 2025, before F-5 settled: no history (1/3), disputed (+0.15) -> 0.4833
        assert round(risks[ob["f4"].pk].late_probability, 4) == 0.4833
        # F-3 (issued 11 Oct 2026): F-5 settled 4 days late before it -> (1 + 1) / (1 + 3) = 0.5
        assert risks[ob["f3"].pk].late_probability == 0.5
        state = DebtorStrategyState.objects.get(debtor=ob["c2"])
        # balance-weighted: (80,000.50 x 0.5 + 40,000 x 0.48333) / 120,000.50 = 0.4944 -> 49, C
        assert (state.risk_score, state.risk_category, state.risk_scored_on) == (49, "C", date(2026, 11, 22))
        assert state.risk_reasons == [["avg_late", 4, 1], ["disputed"], ["rules"]]
        assert AuditEvent.objects.filter(event_type="analytics.risk_scored").count() == 1
        # scoring again replaces the rows
        risk_score(portfolio=portfolio, actor="test", now=NOW)
        assert ObligationRisk.objects.count() == 4

    def test_a_stored_model_is_unpickled_only_with_our_signature(self, book, settings):
        portfolio, _ = book
        fitted = fit(synthetic_book(), date(2025, 6, 1))
        from recaudo.analytics.risk_selectors import dump, sign

        blob = dump(fitted.estimators)
        row = RiskModel.objects.create(portfolio=portfolio, version=1, kind="model", trained_at=NOW,
                                       known_on=date(2025, 6, 1), estimator=blob, signature=sign(blob))
        assert fitted_from(row).estimators["classifier"] is not None
        row.estimator = blob[:-1] + b"\x00"
        with pytest.raises(RiskError):
            fitted_from(row)
        row.estimator = blob
        settings.SECRET_KEY = "another installation"
        with pytest.raises(RiskError) as error:
            risk_score(portfolio=portfolio, actor="test", now=NOW)
        assert error.value.field == "model"

    def test_scoring_without_a_model_says_train_first(self, book):
        with pytest.raises(RiskError) as error:
            risk_score(portfolio=book[0], actor="test", now=NOW)
        assert "train" in error.value.message

    def test_credit_limit_and_the_monthly_review(self, book):
        portfolio, ob = book
        risk_train(portfolio=portfolio, actor="test", now=NOW)
        risk_score(portfolio=portfolio, actor="test", now=NOW)
        credit_set(portfolio=portfolio, debtor=ob["c2"], limit_minor=20_000_000, review_on=date(2027, 5, 1),
                   actor="ana", now=NOW)
        credit = DebtorCredit.objects.get(debtor=ob["c2"])
        assert (credit.category_then, credit.exposure_then_minor) == ("C", 12_000_050)
        # nothing changed: not on the list
        assert credit_review(portfolio=portfolio, today=date(2026, 11, 22)) == []
        # the category changes (as a later scoring would write it)
        DebtorStrategyState.objects.filter(debtor=ob["c2"]).update(risk_category="D")
        DebtorCredit.objects.filter(debtor=ob["c2"]).update(limit_minor=10_000_000)
        rows = credit_review(portfolio=portfolio, today=date(2026, 11, 22))
        assert [(r.code, r.category, r.suggested_minor, r.reasons) for r in rows] == [
            ("C002", "D", 0, [["category", "C", "D"], ["over_limit", 12_000_050, 10_000_000]])]
        with pytest.raises(RiskError) as error:
            credit_set(portfolio=portfolio, debtor=ob["c2"], limit_minor=-1, review_on=date(2027, 5, 1),
                       actor="ana", now=NOW)
        assert error.value.field == "limit"
        with pytest.raises(RiskError) as error:
            credit_set(portfolio=portfolio, debtor=ob["c2"], limit_minor=1, review_on=date(2026, 11, 22),
                       actor="ana", now=NOW)
        assert error.value.field == "review"


@pytest.mark.django_db
def test_the_risk_command(capsys):
    portfolio = make_portfolio()
    build_book(portfolio)
    call_command("risk", "train", "--portfolio", portfolio.slug)
    assert "(rules)" in capsys.readouterr().out
    call_command("risk", "score", "--portfolio", portfolio.slug, "--format", "json")
    assert json.loads(capsys.readouterr().out)["obligations"] == 4
    call_command("risk", "backtest", "--portfolio", portfolio.slug, "--split", "2026-10-01")
    out = capsys.readouterr().out
    assert "AUC" in out and "Brier score" in out and "calibration by decile" in out
    call_command("risk", "limit", "--portfolio", portfolio.slug, "--debtor", "C001", "--limit", "5000000.00",
                 "--review", "2099-01-01")
    assert "limit" in capsys.readouterr().out
    assert DebtorCredit.objects.get().limit_minor == 500_000_000
    call_command("risk", "review", "--portfolio", portfolio.slug, "--format", "json")
    assert json.loads(capsys.readouterr().out) == []
    with pytest.raises(CommandError, match="--limit"):
        call_command("risk", "limit", "--portfolio", portfolio.slug, "--debtor", "C001", "--limit", "abc",
                     "--review", "2099-01-01")
    with pytest.raises(CommandError, match="--split"):
        call_command("risk", "backtest", "--portfolio", portfolio.slug, "--split", "2999-01-01")
    assert rr.category(0.5) == "C"
