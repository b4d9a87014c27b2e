from django.apps import AppConfig


class CycleConfig(AppConfig):
    """The daily cycle on top of the domain apps: runs strategies, holds, promises, interest and messaging once a
    day per portfolio (runner, worker), and the pages that show it (Today, a strategy version's dry run). It owns
    no tables: the cycle's records (CycleRun, StepExecution, DebtorStrategyState) stay in strategies."""

    name = "recaudo.cycle"
    label = "cycle"
    verbose_name = "Cycle"
