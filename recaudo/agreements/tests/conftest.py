from recaudo.strategies.tests.conftest import outbox  # noqa: F401  (the fake outbox fixture)
