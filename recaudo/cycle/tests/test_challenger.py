"""Champion and challenger: the challenger version acts on a stable random share of the strategy's debtors, the
champion on the rest; the analytics compare the arms."""

from datetime import timedelta
from decimal import Decimal

import pytest

from recaudo.agreements.services.payments import payment_receive
from recaudo.analytics.selectors import arm_comparisons
from recaudo.cycle.runner import cycle_run
from recaudo.strategies.models import StepExecution
from recaudo.strategies.rules import CHALLENGER, CHAMPION, arm_of
from recaudo.strategies.selectors import strategies_in_force
from recaudo.strategies.services import (
    StrategyError,
    latest_version,
    strategy_challenger_end,
    strategy_challenger_set,
    strategy_ensure_default,
    strategy_step_update,
)

from .helpers import MONDAY, debtor_owing

pytestmark = pytest.mark.django_db


def test_each_arm_runs_its_own_version_and_the_analytics_compare_them(portfolio, outbox):
    strategy = strategy_ensure_default(portfolio)
    v1 = latest_version(strategy)
    # the challenger waits until 30 days past due for its first SMS
    v2 = strategy_step_update(strategy=strategy, step_key="sms-overdue", changes={"offset": 30})
    strategy_challenger_set(strategy=strategy, version=v2, share=50, today=MONDAY - timedelta(days=1))
    assert strategies_in_force(portfolio)[None] == v1  # the champion is the latest other version
    debtors = [debtor_owing(portfolio, f"D{i:02d}", days_past_due=3) for i in range(20)]
    arms = {d.pk: arm_of(d.pk, strategy.pk, 50) for d in debtors}
    assert set(arms.values()) == {CHAMPION, CHALLENGER}
    cycle_run(portfolio=portfolio, business_date=MONDAY)
    stepped = set(StepExecution.objects.filter(step_key="sms-overdue").values_list("debtor_id", flat=True))
    assert stepped == {d for d, arm in arms.items() if arm == CHAMPION}
    for debtor_id, version_id in StepExecution.objects.values_list("debtor_id", "strategy_version_id"):
        assert version_id == (v2.pk if arms[debtor_id] == CHALLENGER else v1.pk)
    # a challenger debtor pays
    payer = next(d for d in debtors if arms[d.pk] == CHALLENGER)
    payment_receive(portfolio=portfolio, debtor=payer, amount=Decimal("1000000"), date=MONDAY, source_ref="P1")
    [comparison] = arm_comparisons(portfolio=portfolio)
    assert comparison.share == 50 and comparison.since == MONDAY - timedelta(days=1)
    assert comparison.challenger.debtors + comparison.champion.debtors == 20
    assert comparison.challenger.payers == 1 and comparison.champion.payers == 0
    assert comparison.challenger.avg_days_to_pay == Decimal("1.00")
    assert comparison.champion.messages_per_debtor is not None


def test_arms_are_stable_and_close_to_the_share():
    draws = [arm_of(d, 7, 20) for d in range(1, 10_001)]
    assert draws == [arm_of(d, 7, 20) for d in range(1, 10_001)]
    assert 1800 <= draws.count(CHALLENGER) <= 2200
    assert arm_of(5, 7, 0) == CHAMPION


def test_setting_and_ending_a_test(portfolio):
    strategy = strategy_ensure_default(portfolio)
    v1 = latest_version(strategy)
    with pytest.raises(StrategyError, match="campeón"):
        strategy_challenger_set(strategy=strategy, version=v1, share=20)
    v2 = strategy_step_update(strategy=strategy, step_key="sms-overdue", changes={"offset": 30})
    for share in (0, 51):
        with pytest.raises(StrategyError):
            strategy_challenger_set(strategy=strategy, version=v2, share=share)
    strategy_challenger_set(strategy=strategy, version=v2, share=20)
    strategy_challenger_end(strategy=strategy, adopt=True)
    strategy.refresh_from_db()
    assert strategy.challenger is None and latest_version(strategy).content == v2.content
    assert strategies_in_force(portfolio)[None].content == v2.content
