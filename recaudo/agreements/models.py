"""Promises to pay, payment agreements (installment plans with their schedule and acceptance evidence), settlement
offers and the authority matrix that decides which offers need a supervisor's approval. Money in minor units.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from recaudo.accounts.models import Role
from recaudo.core.amounts import MAX_MINOR, MAX_SUM_MINOR
from recaudo.portfolio.models import CurrencyField


def bounded(*fields: str, limit: int = MAX_SUM_MINOR) -> Q:
    """Each field within [-limit, limit] (docs/amounts.md; an empty one passes)."""
    q = Q()
    for name in fields:
        q &= Q(**{f"{name}__gte": -limit}) & Q(**{f"{name}__lte": limit})
    return q


# ---------------------------------------------------------------------------------------------------------------
# Promises, payment agreements, settlement offers (issue 4 sections 2-4)
# ---------------------------------------------------------------------------------------------------------------
class AgreementSettings(models.Model):
    """Per portfolio: how promises are judged and when a payment agreement is broken (defaults when absent)."""

    class Clause(models.TextChoices):
        REVERT = "revert", _("Revert to the original debt")
        ACCELERATE = "accelerate", _("Accelerate: the whole remaining balance becomes due")

    portfolio = models.OneToOneField("portfolio.Portfolio", on_delete=models.CASCADE,
                                     related_name="agreement_settings")
    promise_tolerance_pct = models.DecimalField(
        _("promise tolerance (%)"), max_digits=5, decimal_places=2, default=5,
        help_text=_("a promise is kept when at least (100 - tolerance) % of the amount is paid"))
    promise_grace_days = models.PositiveIntegerField(
        _("promise grace days"), default=2, help_text=_("days after the promised date a payment still counts"))
    breach_installments = models.PositiveIntegerField(
        _("installments overdue for breach"), default=2)
    breach_days = models.PositiveIntegerField(_("days overdue for breach"), default=30)
    breach_clause = models.CharField(_("breach clause"), max_length=12, choices=Clause.choices,
                                     default=Clause.REVERT)
    # Self-service (the debtor portal, issue 16 section 2): what a debtor may promise or accept alone.
    self_promise_max_days = models.PositiveIntegerField(
        _("self-service promise: latest date (days from today)"), default=30,
        help_text=_("a debtor may promise to pay at most this many days ahead"))
    self_promise_min_pct = models.DecimalField(
        _("self-service promise: minimum (% of the overdue)"), max_digits=5, decimal_places=2, default=10,
        help_text=_("the promised amount is at least this share of what is overdue"))
    self_promise_min_minor = models.BigIntegerField(
        _("self-service promise: minimum amount (minor units)"), default=0,
        help_text=_("and at least this amount (never more than what is owed)"))
    self_plan_max_installments = models.PositiveIntegerField(
        _("self-service plan: maximum installments"), default=6,
        help_text=_("never more than the authority matrix lets an agent grant alone"))
    self_plan_min_down_pct = models.DecimalField(
        _("self-service plan: minimum down payment (%)"), max_digits=5, decimal_places=2, default=10)
    self_plan_rate = models.DecimalField(
        _("self-service plan: monthly effective rate"), max_digits=12, decimal_places=10, default=0,
        help_text=_("a fraction: 0.015 is 1.5 % a month; 0 = interest-free; never above the legal cap"))

    class Meta:
        verbose_name = _("agreement settings")
        verbose_name_plural = _("agreement settings")

    def __str__(self):
        return f"{self.portfolio}"


class Promise(models.Model):
    """A promise to pay: amount by a date. Kept or broken is decided from payments (promises_evaluate)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        KEPT = "kept", _("Kept")
        BROKEN = "broken", _("Broken")
        CANCELLED = "cancelled", _("Cancelled")

    class Source(models.TextChoices):
        AGENT = "agent", _("Agent")
        DEBTOR = "debtor", _("Debtor")
        IMPORT = "import", pgettext_lazy("source", "Import")

    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.PROTECT, related_name="promises")
    debtor = models.ForeignKey("portfolio.Debtor", on_delete=models.PROTECT, related_name="promises")
    obligations = models.ManyToManyField("portfolio.Obligation", blank=True, related_name="promises")
    amount_minor = models.BigIntegerField(_("amount"))
    currency = CurrencyField()
    promised_on = models.DateField(_("promised on"), help_text=_("payments from this day count"))
    due_date = models.DateField(_("promised date"))
    channel = models.CharField(_("channel"), max_length=20, blank=True)
    source = models.CharField(_("recorded by"), max_length=8, choices=Source.choices, default=Source.AGENT)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    tolerance_pct = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    grace_days = models.PositiveIntegerField(default=0)
    paid_minor = models.BigIntegerField(default=0, help_text=_("paid in the promise's window when evaluated"))
    evaluated_on = models.DateField(null=True, blank=True)
    hold = models.ForeignKey("strategies.Hold", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    offer = models.ForeignKey("Offer", null=True, blank=True, on_delete=models.SET_NULL, related_name="promises")
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("promise to pay")
        verbose_name_plural = _("promises to pay")
        ordering = ["-due_date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="promise_amount_positive"),
            models.CheckConstraint(condition=bounded("amount_minor", limit=MAX_MINOR) & bounded("paid_minor"),
                                   name="promise_amount_bounded"),
            models.CheckConstraint(condition=Q(due_date__gte=models.F("promised_on")), name="promise_due_after"),
            models.CheckConstraint(condition=Q(status__in=["pending", "kept", "broken", "cancelled"]),
                                   name="promise_status_valid"),
        ]
        indexes = [models.Index(fields=["portfolio", "status", "due_date"]),
                   models.Index(fields=["debtor", "status"])]

    def __str__(self):
        return f"{self.debtor_id} {self.amount_minor} {self.due_date} {self.status}"


class Agreement(models.Model):
    """A payment agreement (acuerdo de pago): an installment plan that replaces the original obligations."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OFFERED = "offered", _("Offered")
        ACCEPTED = "accepted", _("Accepted")
        BROKEN = "broken", _("Broken")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    class Frequency(models.TextChoices):
        MONTHLY = "monthly", _("Monthly")
        SEMIMONTHLY = "semimonthly", _("Semimonthly (the 15th and the last day of the month)")
        BIWEEKLY = "biweekly", _("Biweekly (every 14 days)")
        WEEKLY = "weekly", _("Weekly")

    class RateKind(models.TextChoices):
        NONE = "none", _("No interest")
        MONTHLY = "monthly", _("Monthly effective")
        NOMINAL = "nominal-annual", _("Nominal annual (monthly compounding)")
        EFFECTIVE = "effective-annual", _("Effective annual")

    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.PROTECT, related_name="agreements")
    debtor = models.ForeignKey("portfolio.Debtor", on_delete=models.PROTECT, related_name="agreements")
    obligations = models.ManyToManyField("portfolio.Obligation", through="AgreementObligation",
                                         related_name="agreements")
    number = models.CharField(_("number"), max_length=40, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    currency = CurrencyField()
    debt_minor = models.BigIntegerField(_("debt included"))
    down_payment_minor = models.BigIntegerField(_("down payment"), default=0)
    financed_minor = models.BigIntegerField(_("financed amount"))
    interest_minor = models.BigIntegerField(_("total interest"), default=0)
    installments = models.PositiveIntegerField(_("installments"))
    frequency = models.CharField(_("frequency"), max_length=12, choices=Frequency.choices, default=Frequency.MONTHLY)
    rate = models.DecimalField(_("rate"), max_digits=12, decimal_places=10, default=0,
                               help_text=_("a fraction: 0.015 is 1.5 %"))
    rate_kind = models.CharField(_("rate kind"), max_length=20, choices=RateKind.choices, default=RateKind.NONE)
    rate_ea = models.DecimalField(max_digits=12, decimal_places=10, default=0)
    cap_ea = models.DecimalField(max_digits=12, decimal_places=10, null=True, blank=True)
    cap_source = models.CharField(max_length=200, blank=True)
    first_due = models.DateField(_("first due date"))
    due_day = models.PositiveIntegerField(_("due day"), null=True, blank=True)
    breach_installments = models.PositiveIntegerField(_("installments overdue for breach"), default=2)
    breach_days = models.PositiveIntegerField(_("days overdue for breach"), default=30)
    breach_clause = models.CharField(_("breach clause"), max_length=12, choices=AgreementSettings.Clause.choices,
                                     default=AgreementSettings.Clause.REVERT)
    language = models.CharField(_("language"), max_length=5, default="es")
    made_on = models.DateField(_("date"))
    offered_at = models.DateTimeField(null=True, blank=True)
    accepted_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=300, blank=True)
    hold = models.ForeignKey("strategies.Hold", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    accelerated_obligation = models.ForeignKey("portfolio.Obligation", null=True, blank=True,
                                               on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("payment agreement")
        verbose_name_plural = _("payment agreements")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "offered", "accepted", "broken", "completed", "cancelled"]),
                name="agreement_status_valid"),
            models.CheckConstraint(condition=Q(financed_minor__gt=0), name="agreement_financed_positive"),
            models.CheckConstraint(condition=Q(down_payment_minor__gte=0), name="agreement_down_not_negative"),
            models.CheckConstraint(condition=bounded("debt_minor", "down_payment_minor", "financed_minor",
                                                     "interest_minor"), name="agreement_amounts_bounded"),
            models.CheckConstraint(condition=Q(breach_clause__in=["revert", "accelerate"]),
                                   name="agreement_clause_valid"),
        ]
        indexes = [models.Index(fields=["portfolio", "status"])]

    def __str__(self):
        return self.number or f"AC-{self.pk}"

    @property
    def total_minor(self) -> int:
        return self.down_payment_minor + self.financed_minor + self.interest_minor


class AgreementObligation(models.Model):
    """An original obligation included in an agreement, with what was settled into the plan."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="included")
    obligation = models.ForeignKey("portfolio.Obligation", on_delete=models.PROTECT, related_name="+")
    balance_minor = models.BigIntegerField(help_text=_("balance when included"))
    settlement_entries = models.ManyToManyField("ledger.Entry", blank=True, related_name="+")

    class Meta:
        verbose_name = _("agreement obligation")
        verbose_name_plural = _("agreement obligations")
        constraints = [models.UniqueConstraint(fields=["agreement", "obligation"], name="agreement_obligation_once"),
                       models.CheckConstraint(condition=bounded("balance_minor"),
                                              name="agreement_obligation_balance_bounded")]

    def __str__(self):
        return f"{self.agreement_id}: {self.obligation_id}"


class AgreementInstallment(models.Model):
    """One line of the schedule; number 0 is the down payment. `obligation` once the agreement is accepted (its
    principal); `interest_entry` once the installment has fallen due and its interest was charged."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="schedule")
    number = models.PositiveIntegerField()
    due_date = models.DateField()
    amount_minor = models.BigIntegerField()
    interest_minor = models.BigIntegerField(default=0)
    principal_minor = models.BigIntegerField()
    balance_after_minor = models.BigIntegerField(default=0)
    obligation = models.OneToOneField("portfolio.Obligation", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="agreement_installment")
    # The installment's interest is charged when it falls due, not on acceptance (issue 11): the daily cycle (and a
    # payment dated on or after the due date) posts it once and links it here, which makes the posting idempotent.
    interest_entry = models.OneToOneField("ledger.Entry", null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="+")

    class Meta:
        verbose_name = _("agreement installment")
        verbose_name_plural = _("agreement installments")
        ordering = ["agreement", "number"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "number"], name="installment_number_unique"),
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="installment_amount_positive"),
            # an installment becomes an obligation on acceptance: at most MAX_MINOR like any obligation
            models.CheckConstraint(condition=bounded("amount_minor", "interest_minor", "principal_minor",
                                                     limit=MAX_MINOR) & bounded("balance_after_minor"),
                                   name="installment_amounts_bounded"),
        ]

    def __str__(self):
        return f"{self.agreement} #{self.number}"


class Acceptance(models.Model):
    """Evidence that the debtor accepted an agreement: how, when, and the proof."""

    class Channel(models.TextChoices):
        SIGNED_UPLOAD = "signed_upload", _("Signed document (upload)")
        EMAIL_REPLY = "email_reply", _("Email reply")
        PORTAL_CHECKBOX = "portal_checkbox", _("Checkbox in the portal")
        IN_PERSON = "in_person", _("In person / phone (recorded by the agent)")

    agreement = models.OneToOneField(Agreement, on_delete=models.PROTECT, related_name="acceptance")
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    at = models.DateTimeField(_("accepted at"))
    evidence_file = models.FileField(_("evidence file"), upload_to="agreements/evidence/%Y/%m/", blank=True)
    evidence_text = models.TextField(_("evidence text"), blank=True, help_text=_("e.g. the email reply"))
    checkbox = models.BooleanField(default=False)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    actor_label = models.CharField(max_length=150, blank=True)
    # A debtor's acceptance in the portal: the client's address and the version and SHA-256 of the text accepted.
    client_address = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    text_version = models.CharField(_("text version"), max_length=40, blank=True)
    text_sha256 = models.CharField(_("text SHA-256"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("acceptance")
        verbose_name_plural = _("acceptances")

    def __str__(self):
        return f"{self.agreement} {self.channel} {self.at:%Y-%m-%d}"


class AuthorityLimit(models.Model):
    """What a role may grant without approval in a portfolio; empty = no limit. Without a row the role gets
    rules.DEFAULT_LIMITS: the safe default, where an agent forgives nothing and grants no interest-bearing plan
    without a supervisor."""

    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.CASCADE, related_name="authority_limits")
    role = models.CharField(_("role"), max_length=12)
    max_discount_pct = models.DecimalField(_("maximum discount (%)"), max_digits=5, decimal_places=2, null=True,
                                           blank=True)
    max_installments = models.PositiveIntegerField(_("maximum installments"), null=True, blank=True)
    max_term_months = models.PositiveIntegerField(_("maximum term (months)"), null=True, blank=True)
    interest_plans = models.BooleanField(
        _("may grant interest-bearing plans"), default=False,
        help_text=_("off: a plan that charges interest waits for someone whose role may grant it"))

    class Meta:
        ordering = ["portfolio", "role"]
        verbose_name = _("authority limit")
        verbose_name_plural = _("authority limits")
        constraints = [
            models.UniqueConstraint(fields=["portfolio", "role"], name="authority_limit_unique"),
            models.CheckConstraint(condition=Q(role__in=["admin", "supervisor", "agent", "viewer"]),
                                   name="authority_limit_role_valid"),
        ]

    def __str__(self):
        return f"{self.portfolio} · {self.role}"


class Offer(models.Model):
    """A settlement offer (conciliación, quita, reestructuración); beyond the creator's authority it waits for
    a supervisor's decision."""

    class Kind(models.TextChoices):
        LUMP_SUM_DISCOUNT = "lump_sum_discount", _("Discount for a lump-sum payment")
        INTEREST_FEE_WAIVER = "interest_fee_waiver", _("Interest and fee waiver")
        TERM_EXTENSION = "term_extension", _("Term extension")
        RESTRUCTURING = "restructuring", _("Restructuring into a new schedule")
        CONSOLIDATION = "consolidation", _("Consolidation into one obligation")

    class Status(models.TextChoices):
        PENDING = "pending_approval", _("Pending approval")
        APPROVED = "approved", pgettext_lazy("offer status", "Approved")
        REJECTED = "rejected", pgettext_lazy("offer status", "Rejected")
        COUNTERED = "countered", _("Countered")
        ACCEPTED = "accepted", _("Accepted")
        EXPIRED = "expired", _("Expired")

    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.PROTECT, related_name="offers")
    debtor = models.ForeignKey("portfolio.Debtor", on_delete=models.PROTECT, related_name="offers")
    obligations = models.ManyToManyField("portfolio.Obligation", related_name="offers")
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    debt_minor = models.BigIntegerField(_("debt included"))
    forgiven_minor = models.BigIntegerField(_("forgiven"), default=0)
    discount_pct = models.DecimalField(max_digits=7, decimal_places=2, default=0)
    installments = models.PositiveIntegerField(default=0)
    term_months = models.PositiveIntegerField(default=0)
    approval_reasons = models.JSONField(default=list, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    requested_role = models.CharField(max_length=12, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    counter_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="counters")
    expires_on = models.DateField(_("valid until"), null=True, blank=True)
    agreement = models.ForeignKey(Agreement, null=True, blank=True, on_delete=models.PROTECT, related_name="offers")
    new_obligation = models.ForeignKey("portfolio.Obligation", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+")
    entries = models.ManyToManyField("ledger.Entry", blank=True, related_name="+")
    earned_by = models.ForeignKey("ledger.Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                  help_text=_("the payment that earned a lump-sum discount (booked then)"))
    accepted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("settlement offer")
        verbose_name_plural = _("settlement offers")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending_approval", "approved", "rejected", "countered", "accepted",
                                        "expired"]), name="offer_status_valid"),
            models.CheckConstraint(condition=bounded("debt_minor", "forgiven_minor"), name="offer_amounts_bounded"),
        ]
        indexes = [models.Index(fields=["portfolio", "status"])]

    def __str__(self):
        return f"OF-{self.pk} {self.kind}"

    @property
    def requested_role_label(self) -> str:
        """The requester's role as people read it ("Agente"), never its code ("agent")."""
        return Role(self.requested_role).label if self.requested_role in Role.values else self.requested_role
