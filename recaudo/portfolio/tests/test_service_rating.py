"""A debtor rates the service after an action (1-5, a bounded comment); the analytics read the summary."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from recaudo.audit.models import AuditEvent
from recaudo.audit.services import portal_actor
from recaudo.core.errors import NotAllowed
from recaudo.demo.testing import make_debtor
from recaudo.portfolio.models import ServiceRating
from recaudo.portfolio.selectors import service_ratings_summary
from recaudo.portfolio.services import RATING_COMMENT_MAX, service_rating_add
from recaudo.portfolio.validation import ValidationProblem

pytestmark = pytest.mark.django_db


def test_ratings_and_their_summary(portfolio):
    a, b = make_debtor(portfolio, code="A"), make_debtor(portfolio, code="B")
    when = datetime(2026, 3, 2, 15, tzinfo=UTC)
    service_rating_add(debtor=a, score=5, action="promise", comment=" Muy fácil ", actor=portal_actor(a.pk), now=when)
    service_rating_add(debtor=a, score="4", action="plan", actor=portal_actor(a.pk), now=when)
    service_rating_add(debtor=b, score=2, action="plan", actor=portal_actor(b.pk), now=when)
    assert ServiceRating.objects.get(score=5).comment == "Muy fácil"
    summary = service_ratings_summary(portfolio)
    # (5 + 4 + 2) / 3 = 3.666... -> 3.67
    assert summary == {"count": 3, "average": Decimal("3.67"),
                       "by_score": {1: 0, 2: 1, 3: 0, 4: 1, 5: 1}, "by_action": {"promise": 1, "plan": 2}}
    assert service_ratings_summary(portfolio, since=datetime(2026, 3, 3, tzinfo=UTC))["average"] is None
    assert AuditEvent.objects.filter(event_type="service.rated", actor_label=portal_actor(a.pk)).count() == 2


@pytest.mark.parametrize("kw, field", [
    ({"score": 0}, "score"), ({"score": 6}, "score"), ({"score": "cinco"}, "score"),
    ({"action": "hack"}, "action"), ({"comment": "x" * (RATING_COMMENT_MAX + 1)}, "comment"),
])
def test_bad_rating_names_the_field(portfolio, kw, field):
    debtor = make_debtor(portfolio)
    args = {"score": 3, "action": "other", "comment": ""} | kw
    with pytest.raises(ValidationProblem) as exc:
        service_rating_add(debtor=debtor, actor=portal_actor(debtor.pk), **args)
    assert exc.value.field == field
    assert not ServiceRating.objects.exists()


def test_another_debtor_may_not_rate(portfolio):
    debtor, other = make_debtor(portfolio, code="A"), make_debtor(portfolio, code="B")
    with pytest.raises(NotAllowed):
        service_rating_add(debtor=debtor, score=5, action="other", actor=portal_actor(other.pk))
