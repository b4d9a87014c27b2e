"""The analytics' history: one set of rows per portfolio and day, written set-based by the daily cycle (or rebuilt
by `recaudo kpis backfill`). Trends, DSO, CEI and the other balance KPIs read these rows, never the live tables,
so a year of history is a few thousand rows to read whatever the size of the book."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DailySnapshot(models.Model):
    """Balance and counts in one aging bucket on one day, for the whole portfolio (dimension "all", key 0), one
    segment (key = segment id, 0 = no segment) or one agent (key = user id, 0 = unassigned)."""

    class Dimension(models.TextChoices):
        ALL = "all", _("portfolio")
        SEGMENT = "segment", _("segment")
        AGENT = "agent", _("agent")

    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    dimension = models.CharField(max_length=8, choices=Dimension.choices)
    key = models.BigIntegerField(default=0)
    bucket = models.SmallIntegerField()  # index in the portfolio's buckets on that day
    bucket_label = models.CharField(max_length=20)
    balance_minor = models.BigIntegerField(default=0)
    obligations = models.IntegerField(default=0)
    debtors = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("daily snapshot")
        verbose_name_plural = _("daily snapshots")
        constraints = [models.UniqueConstraint(fields=["portfolio", "day", "dimension", "key", "bucket"],
                                               name="analytics_snapshot_unique")]

    def __str__(self):
        return f"{self.portfolio_id} {self.day} {self.dimension}:{self.key} #{self.bucket}"


class DailyFlow(models.Model):
    """What came into and left the book on one day: credit sales (obligations issued that day, their original
    amount) and collections (payments dated that day and not reversed), with the day's closing totals."""

    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    credit_sales_minor = models.BigIntegerField(default=0)
    collected_minor = models.BigIntegerField(default=0)
    receivables_minor = models.BigIntegerField(default=0)
    current_minor = models.BigIntegerField(default=0)  # not yet due (the first bucket)
    debtors_with_balance = models.IntegerField(default=0)
    written_at = models.DateTimeField()

    class Meta:
        verbose_name = _("daily flow")
        verbose_name_plural = _("daily flows")
        constraints = [models.UniqueConstraint(fields=["portfolio", "day"], name="analytics_flow_unique")]

    def __str__(self):
        return f"{self.portfolio_id} {self.day}"


class RollSnapshot(models.Model):
    """At a month's end: the obligations that had a balance at the previous month's end, by their bucket then and
    now (to_bucket -1: owes nothing now), with their count and their balance then (the weight of balance roll
    rates)."""

    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.CASCADE, related_name="+", db_index=False)
    month_end = models.DateField()
    from_bucket = models.SmallIntegerField()
    to_bucket = models.SmallIntegerField()
    balance_minor = models.BigIntegerField(default=0)
    obligations = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("roll snapshot")
        verbose_name_plural = _("roll snapshots")
        constraints = [models.UniqueConstraint(fields=["portfolio", "month_end", "from_bucket", "to_bucket"],
                                               name="analytics_roll_unique")]

    def __str__(self):
        return f"{self.portfolio_id} {self.month_end} {self.from_bucket}->{self.to_bucket}"


class ReportSubscription(models.Model):
    """A user's weekly or monthly summary of a portfolio by e-mail, with the analytics PDF attached. The row is its
    own outbox: `next_due_at` is the due-date column, a worker claims it atomically (claim token), sends, and moves
    it to the next period; a failure retries with backoff and is shown on the page."""

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", _("Weekly (Mondays)")
        MONTHLY = "monthly", _("Monthly (the 1st)")

    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_subscriptions")
    frequency = models.CharField(max_length=8, choices=Frequency.choices)
    email = models.EmailField(max_length=254)
    language = models.CharField(max_length=8, default="es-co")
    next_due_at = models.DateTimeField()
    claim_token = models.CharField(max_length=40, null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("report subscription")
        verbose_name_plural = _("report subscriptions")
        constraints = [models.UniqueConstraint(fields=["portfolio", "user"], name="analytics_subscription_unique"),
                       models.CheckConstraint(condition=models.Q(frequency__in=["weekly", "monthly"]),
                                              name="analytics_subscription_frequency")]
        indexes = [models.Index(fields=["next_due_at"], name="analytics_subscription_due")]

    def __str__(self):
        return f"{self.user_id} {self.portfolio_id} {self.frequency}"
class RiskModel(models.Model):
    """A portfolio's payment-prediction model, one row per training (the highest version is in use): the fitted
    estimators serialized with joblib and signed with the installation's key (a row whose signature does not
    match is never unpickled), or no estimator at all when the history was too short (kind "rules")."""

    class Kind(models.TextChoices):
        MODEL = "model", _("learned model")
        RULES = "rules", _("rule-based score")

    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.CASCADE, related_name="+", db_index=False)
    version = models.PositiveIntegerField()
    kind = models.CharField(max_length=8, choices=Kind.choices)
    trained_at = models.DateTimeField()
    known_on = models.DateField(help_text="only what was known before this day was used")
    window_from = models.DateField(null=True, blank=True)
    window_to = models.DateField(null=True, blank=True)
    late_days = models.PositiveSmallIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)
    features = models.JSONField(default=list)
    metrics = models.JSONField(default=dict)
    library = models.CharField(max_length=40, blank=True)  # "scikit-learn 1.9.1"
    estimator = models.BinaryField(null=True, blank=True, editable=False)
    signature = models.CharField(max_length=64, blank=True)  # HMAC-SHA256 of the estimator bytes

    class Meta:
        verbose_name = _("risk model")
        verbose_name_plural = _("risk models")
        constraints = [models.UniqueConstraint(fields=["portfolio", "version"], name="analytics_riskmodel_version")]

    def __str__(self):
        return f"{self.portfolio_id} v{self.version} {self.kind}"


class ObligationRisk(models.Model):
    """The last scoring of an open obligation: the probability that it is paid late and the expected days from
    issue to payment. Rewritten whole by each scoring of the portfolio."""

    obligation = models.OneToOneField("portfolio.Obligation", on_delete=models.CASCADE, primary_key=True,
                                      related_name="risk", db_constraint=False)
    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.CASCADE, related_name="+",
                                  db_constraint=False)
    late_probability = models.FloatField()
    expected_days = models.IntegerField()
    model_version = models.PositiveIntegerField()
    scored_on = models.DateField()

    class Meta:
        verbose_name = _("obligation risk")
        verbose_name_plural = _("obligation risks")

    def __str__(self):
        return f"{self.obligation_id}: {self.late_probability:.2f}"


class DebtorCredit(models.Model):
    """The credit policy of a debtor: the limit and the next review date set by a person, with the risk category
    and exposure of that moment (the monthly review list compares today's with them)."""

    debtor = models.OneToOneField("portfolio.Debtor", on_delete=models.CASCADE, primary_key=True,
                                  related_name="credit_policy")
    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.CASCADE, related_name="+")
    limit_minor = models.BigIntegerField(_("credit limit"))
    review_on = models.DateField(_("next review"))
    category_then = models.CharField(max_length=1, blank=True)
    exposure_then_minor = models.BigIntegerField(default=0)
    set_by = models.CharField(max_length=150)
    set_at = models.DateTimeField()

    class Meta:
        verbose_name = _("debtor credit policy")
        verbose_name_plural = _("debtor credit policies")
        constraints = [models.CheckConstraint(condition=models.Q(limit_minor__gte=0), name="analytics_credit_limit")]

    def __str__(self):
        return f"{self.debtor_id}: {self.limit_minor}"
