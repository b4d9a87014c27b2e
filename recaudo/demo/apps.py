from django.apps import AppConfig


class DemoConfig(AppConfig):
    """On top of everything: the `demo` command, the seeded synthetic data it and the benchmarks load
    (`synthetic.py`), and the builders tests use to make portfolios, debtors, obligations and users
    (`testing.py`). Owns no tables; nothing below imports it."""

    name = "recaudo.demo"
    label = "demo"
    verbose_name = "Demo"
