"""The ledger: append-only entries per obligation. Balances are sums of entries; nothing is updated or deleted.

Sign convention: a positive amount increases what the debtor owes (charges, interest, fees, positive
adjustments); a negative amount reduces it (payments, discounts, write-offs). A reversal carries the opposite
sign of the entry it reverses. Amounts are integers in the currency's minor unit (see recaudo.core.money).
The database enforces the sign per kind with check constraints, and forbids UPDATE (and DELETE on
PostgreSQL) with triggers (migration 0001).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from recaudo.core.amounts import MAX_MINOR, MAX_SUM_MINOR
from recaudo.core.constraints import one_of
from recaudo.portfolio.models import CurrencyField


class Component(models.TextChoices):
    PRINCIPAL = "principal", _("Principal")
    INTEREST = "interest", _("Interest")
    FEE = "fee", _("Fee")


class EntryKind(models.TextChoices):
    CHARGE = "charge", _("Principal charge")
    INTEREST = "interest", _("Interest")
    FEE = "fee", _("Fee")
    PAYMENT = "payment", _("Payment")
    DISCOUNT = "discount", _("Discount")
    WRITE_OFF = "write_off", _("Write-off")
    ADJUSTMENT = "adjustment", _("Adjustment")
    REVERSAL = "reversal", _("Reversal")


DEBIT_KINDS = ["charge", "interest", "fee"]
CREDIT_KINDS = ["payment", "discount", "write_off"]


class Payment(models.Model):
    class Source(models.TextChoices):
        MANUAL = "manual", _("Manual")
        IMPORT = "import", pgettext_lazy("source", "Import")
        BANK_FILE = "bank_file", _("Bank file")
        STATEMENT = "statement", _("Bank statement")
        GATEWAY = "gateway", _("Payment gateway")
        PORTAL = "portal", _("Portal")

    portfolio = models.ForeignKey(
        "portfolio.Portfolio", on_delete=models.PROTECT, related_name="payments", db_index=False
    )
    debtor = models.ForeignKey("portfolio.Debtor", on_delete=models.PROTECT, related_name="payments", db_index=False)
    obligation = models.ForeignKey(
        "portfolio.Obligation", null=True, blank=True, on_delete=models.PROTECT, related_name="named_payments",
        help_text=_("the obligation the payer named, if any; allocated to it first"),
    )
    date = models.DateField(_("date"))
    amount_minor = models.BigIntegerField(_("amount"))
    currency = CurrencyField()
    method = models.CharField(_("method"), max_length=40, blank=True)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.MANUAL)
    source_ref = models.CharField(
        max_length=120, help_text=_("idempotency key within the source: the same key is never applied twice")
    )
    unapplied_minor = models.BigIntegerField(default=0, help_text=_("overpayment kept as debtor credit"))
    reversed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, db_index=False
    )

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["portfolio", "source", "source_ref"], name="payment_source_ref_unique"),
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(condition=Q(amount_minor__lte=MAX_MINOR), name="payment_amount_bounded"),
            models.CheckConstraint(
                condition=Q(unapplied_minor__gte=0) & Q(unapplied_minor__lte=models.F("amount_minor")),
                name="payment_unapplied_within_amount",
            ),
        ]
        indexes = [models.Index(fields=["debtor", "date"])]

    def __str__(self):
        return f"{self.date} {self.reference or self.source_ref}"


class PaymentMethod(models.TextChoices):
    """How a payment was made, as the payment page offers it. Payment.method stays free text (imports and the
    `ledger pay` command keep what the file or the user wrote); these codes are shown by their label."""
    CASH = "cash", _("Cash")
    TRANSFER = "transfer", _("Bank transfer")
    DEPOSIT = "deposit", _("Bank deposit (consignación)")
    PSE = "pse", _("PSE")
    CARD = "card", _("Card")
    CHECK = "check", _("Check")
    WALLET = "wallet", _("Mobile wallet (Nequi, Daviplata)")
    OTHER = "other", _("Other")


class ReceiptCounter(models.Model):
    """The last receipt number of a portfolio (recibo de caja): locked with SELECT ... FOR UPDATE while a number is
    taken, so concurrent payments get consecutive numbers without gaps or repeats."""

    portfolio = models.OneToOneField("portfolio.Portfolio", on_delete=models.CASCADE, primary_key=True,
                                     related_name="receipt_counter")
    last_number = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("receipt counter")
        verbose_name_plural = _("receipt counters")

    def __str__(self):
        return f"{self.portfolio_id}: {self.last_number}"


class Receipt(models.Model):
    """The numbered receipt (recibo de caja) of a received payment: one per payment, numbered per portfolio."""

    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="receipt")
    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.PROTECT, related_name="receipts",
                                  db_index=False)
    number = models.PositiveBigIntegerField(_("receipt number"))
    issued_at = models.DateTimeField()

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        constraints = [models.UniqueConstraint(fields=["portfolio", "number"], name="receipt_number_unique")]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        return f"RC-{self.number:06d}"


class Entry(models.Model):
    # Foreign keys covered by the composite indexes below carry no index of their own (faster bulk inserts).
    # obligation, debtor and portfolio are checked together by ONE composite foreign key (obligation, debtor,
    # portfolio) -> Obligation (id, debtor, portfolio) instead of three single ones: an entry's denormalized
    # debtor and portfolio must be its obligation's (stronger than three separate keys), at a third of the
    # checking cost on bulk inserts. Django cannot declare it: ledger migration 0001 creates a trigger that checks
    # it (docs/decisions/0004-import-speed-on-postgresql.md and 0005-entry-key-check-per-statement.md).
    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.PROTECT, related_name="+", db_index=False,
                                  db_constraint=False)
    debtor = models.ForeignKey("portfolio.Debtor", on_delete=models.PROTECT, related_name="entries", db_index=False,
                               db_constraint=False)
    obligation = models.ForeignKey(
        "portfolio.Obligation", on_delete=models.PROTECT, related_name="entries", db_index=False, db_constraint=False
    )
    kind = models.CharField(max_length=12, choices=EntryKind.choices)
    component = models.CharField(max_length=10, choices=Component.choices)
    amount_minor = models.BigIntegerField()
    value_date = models.DateField(_("value date"))
    created_at = models.DateTimeField()
    # payment and reverses are empty on most entries (every charge): their indexes are partial (only the entries
    # that have one), so that a bulk insert of charges adds nothing to them (measured: a million charges load in
    # 4.9 s instead of 7.2 s on PostgreSQL). An entry is reversed at most once (entry_reversed_once).
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="entries",
                                db_index=False)
    reverses = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by", db_index=False
    )
    memo = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, db_index=False
    )

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["value_date", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount_minor=0), name="entry_amount_not_zero"),
            # docs/amounts.md: at most 10^15 minor units an entry (recaudo.core.amounts.MAX_MINOR)
            models.CheckConstraint(condition=Q(amount_minor__gte=-MAX_MINOR) & Q(amount_minor__lte=MAX_MINOR),
                                   name="entry_amount_bounded"),
            models.CheckConstraint(
                condition=~one_of("kind", DEBIT_KINDS) | Q(amount_minor__gt=0), name="entry_debit_kinds_positive"
            ),
            models.CheckConstraint(
                condition=~one_of("kind", CREDIT_KINDS) | Q(amount_minor__lt=0), name="entry_credit_kinds_negative"
            ),
            models.CheckConstraint(
                condition=Q(kind="reversal", reverses__isnull=False) | (~Q(kind="reversal") & Q(reverses__isnull=True)),
                name="entry_reversal_has_target",
            ),
            models.CheckConstraint(
                condition=~Q(kind="payment") | Q(payment__isnull=False), name="entry_payment_has_payment"
            ),
            models.CheckConstraint(
                condition=one_of("kind", [k.value for k in EntryKind]), name="entry_kind_valid"
            ),
            models.CheckConstraint(
                condition=one_of("component", [c.value for c in Component]), name="entry_component_valid"
            ),
            models.UniqueConstraint(fields=["reverses"], condition=Q(reverses__isnull=False),
                                    name="entry_reversed_once"),
        ]
        indexes = [
            models.Index(fields=["obligation", "value_date"]),
            models.Index(fields=["debtor", "value_date"]),
            models.Index(fields=["payment"], condition=Q(payment__isnull=False), name="ledger_entry_payment_idx"),
            # Covering index for the aging as of a date (recaudo.reports.selectors): GROUP BY obligation
            # over one portfolio's entries without reading the table.
            models.Index(fields=["portfolio", "obligation", "value_date", "amount_minor"],
                         name="ledger_entry_aging_idx"),
        ]

    def __str__(self):
        return f"{self.value_date} {self.kind} {self.amount_minor}"

    @property
    def label(self) -> str:
        """What the entry says: its memo; a charge without one (an obligation's principal charge has none: a
        million-row import wrote each description into both tables) says its obligation's description."""
        if self.memo:
            return self.memo
        if self.kind == EntryKind.CHARGE:
            return self.obligation.description
        return ""


class ValueDateMark(models.Model):
    """A portfolio's latest entry value date, kept by the database: a trigger on ledger_entry adds a mark when an
    INSERT brings a value date later than the portfolio's marks (recaudo.ledger.triggers). Marks are only
    added, never updated (no row lock that concurrent postings would wait on), so the latest date is the largest
    mark. It tells the aging whether the cached balances are exact as of a date (recaudo.reports.selectors), in
    place of an entries index (portfolio, value_date) that every entry paid for (docs/decisions/0006)."""

    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.CASCADE, related_name="+", db_index=False)
    value_date = models.DateField()

    class Meta:
        verbose_name = _("value date mark")
        verbose_name_plural = _("value date marks")
        indexes = [models.Index(fields=["portfolio", "value_date"], name="ledger_mark_portfolio_date")]

    def __str__(self):
        return f"{self.portfolio_id} {self.value_date}"


class InterestSettings(models.Model):
    """Per portfolio: late interest posted by the daily cycle, collection fees and early-payment discounts.

    No row (or interest_enabled off) means the cycle posts no interest. The late-interest method is one of
    recaudo.ledger.interest.METHODS; the contract rate is capped day by day at the legal maximum."""

    portfolio = models.OneToOneField("portfolio.Portfolio", on_delete=models.CASCADE, related_name="interest_settings")
    interest_enabled = models.BooleanField(_("post late interest in the daily cycle"), default=False)
    method = models.CharField(_("late-interest method"), max_length=30, default="daily_compound_ea")
    contract_rate_ea_pct = models.DecimalField(
        _("contract late rate (% E.A.)"), max_digits=8, decimal_places=4, null=True, blank=True,
        help_text=_("empty: the legal maximum (usury rate) of each day"))
    financial_lender = models.BooleanField(
        _("financial-system lender"), default=False,
        help_text=_("Peru: financial-system lenders may charge no collection fee"))
    early_discount_pct = models.DecimalField(_("early-payment discount (%)"), max_digits=5, decimal_places=2,
                                             null=True, blank=True)
    early_discount_days = models.PositiveIntegerField(_("early-payment window (days from issue)"), null=True,
                                                      blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("interest, fee and discount settings")
        verbose_name_plural = _("interest, fee and discount settings")
        constraints = [
            models.CheckConstraint(condition=Q(method__in=["daily_compound_ea"]), name="interest_method_valid"),
            models.CheckConstraint(
                condition=Q(early_discount_pct__isnull=True) | (Q(early_discount_pct__gt=0)
                                                                & Q(early_discount_pct__lt=100)),
                name="early_discount_pct_range"),
        ]

    def __str__(self):
        return f"{self.portfolio_id}: interest {'on' if self.interest_enabled else 'off'}"


class InterestAccrual(models.Model):
    """One posting of late interest for an obligation.

    kind "period": the interest of [period_start, period_end]; the unique end date makes the daily posting
    idempotent (the next run starts the day after the last period_end).
    kind "adjustment": the difference, over everything posted through period_end, between what was posted and what
    the liquidation gives now (a month's certified rate loaded after a provisional one was used, or a payment or
    reversal value-dated in the past); positive an interest entry, negative an interest adjustment (credit)."""

    class Kind(models.TextChoices):
        PERIOD = "period", _("Period")
        ADJUSTMENT = "adjustment", _("Adjustment")

    obligation = models.ForeignKey("portfolio.Obligation", on_delete=models.PROTECT, related_name="interest_accruals")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PERIOD)
    period_start = models.DateField()
    period_end = models.DateField()
    days = models.IntegerField()
    principal_minor = models.BigIntegerField()
    amount_minor = models.BigIntegerField()
    entry = models.OneToOneField(Entry, on_delete=models.PROTECT, related_name="accrual")
    lines = models.JSONField(default=list, blank=True, help_text="the liquidation, line by line")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("interest accrual")
        verbose_name_plural = _("interest accruals")
        ordering = ["obligation", "period_end", "id"]
        constraints = [
            models.UniqueConstraint(fields=["obligation", "period_end"], condition=Q(kind="period"),
                                    name="interest_accrual_once_per_end"),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")),
                                   name="interest_accrual_dates_ordered"),
            models.CheckConstraint(condition=Q(kind="period") | Q(kind="adjustment"),
                                   name="interest_accrual_kind_valid"),
            models.CheckConstraint(condition=Q(amount_minor__gte=-MAX_MINOR) & Q(amount_minor__lte=MAX_MINOR)
                                   & Q(principal_minor__gte=-MAX_SUM_MINOR) & Q(principal_minor__lte=MAX_SUM_MINOR),
                                   name="interest_accrual_amount_bounded"),
        ]

    def __str__(self):
        return f"{self.obligation_id} {self.kind} {self.period_start}..{self.period_end}: {self.amount_minor}"


class FeeCharge(models.Model):
    """Evidence of a collection fee: the country rule that allowed it, the documented work and the disclosure."""

    obligation = models.ForeignKey("portfolio.Obligation", on_delete=models.PROTECT, related_name="fee_charges")
    entry = models.OneToOneField(Entry, on_delete=models.PROTECT, related_name="fee_charge")
    rule_id = models.CharField(max_length=40)
    reason = models.CharField(max_length=300)
    evidence = models.CharField(max_length=300, blank=True, help_text="documented collection work reference")
    disclosed = models.BooleanField(default=False)
    computed = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("fee charge")
        verbose_name_plural = _("fee charges")

    def __str__(self):
        return f"{self.obligation_id} fee {self.entry_id}"


class EarlyDiscount(models.Model):
    """An early-payment discount granted to an obligation (at most once) when a payment closed it in the window."""

    obligation = models.OneToOneField("portfolio.Obligation", on_delete=models.PROTECT, related_name="early_discount")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="early_discounts")
    entry = models.OneToOneField(Entry, on_delete=models.PROTECT, related_name="early_discount")
    percent = models.DecimalField(max_digits=5, decimal_places=2)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("early payment discount")
        verbose_name_plural = _("early payment discounts")

    def __str__(self):
        return f"{self.obligation_id} -{self.percent} %"


class Tally(models.Model):
    """How many entries a portfolio's ledger holds and their checksum, kept by the database: a trigger on
    ledger_entry adds to it on every INSERT (recaudo.ledger.triggers), nothing else writes it. `ledger verify`
    recomputes both from the entries, so an entry deleted behind the application's back is found
    (docs/decisions/0011-ledger-tally.md). PostgreSQL keeps a row per INSERT statement, SQLite one per portfolio:
    a portfolio's tally is the sum of its rows."""

    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.DO_NOTHING, related_name="+",
                                  db_index=False, db_constraint=False)
    entries = models.BigIntegerField()
    checksum = models.BigIntegerField()
    # SQLite: the portfolio's ledger volume, the absolute amounts of its entries plus its payments' amounts; the
    # check holds it to MAX_SUM_MINOR, so no SUM over a portfolio overflows SQLite's 64-bit integers (triggers of
    # ledger migration 0001, docs/amounts.md). PostgreSQL sums bigints exactly (numeric) and leaves it at 0.
    volume = models.BigIntegerField(db_default=0)

    class Meta:
        verbose_name = _("ledger tally")
        verbose_name_plural = _("ledger tallies")
        db_table = "ledger_tally"
        indexes = [models.Index(fields=["portfolio"], name="ledger_tally_portfolio")]
        constraints = [
            models.CheckConstraint(condition=Q(volume__gte=0) & Q(volume__lte=MAX_SUM_MINOR),
                                   name="ledger_tally_volume_bounded"),
        ]

    def __str__(self):
        return f"{self.portfolio_id}: {self.entries}"


# ---------------------------------------------------------------------------------------------------------------
# Legal rate tables: per country and rate type, with the dates they are in force. Reference data of the ledger
# (late interest is capped by them). Colombia: the monthly certified current bank rate (IBC) and the usury rate
# (1.5 x IBC), both effective annual percentages, seeded from data/co_rates.csv and editable in the admin and
# with `recaudo rates load` for new months.
# ---------------------------------------------------------------------------------------------------------------
class LegalRate(models.Model):
    class RateType(models.TextChoices):
        IBC = "ibc", _("Certified current bank rate (IBC)")
        USURY = "usury", _("Usury rate (legal maximum)")

    country = models.CharField(_("country"), max_length=2)
    rate_type = models.CharField(_("rate type"), max_length=8, choices=RateType.choices)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), help_text=_("last day in force, inclusive"))
    rate_ea_pct = models.DecimalField(
        _("rate (% E.A.)"), max_digits=8, decimal_places=4, help_text=_("effective annual, in percent: 25.23")
    )
    resolution = models.CharField(_("resolution"), max_length=100, blank=True, help_text=_("e.g. SFC 0250/2026"))
    confirmed = models.BooleanField(
        _("confirmed"), default=False, help_text=_("checked against the official resolution")
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "agreements_legalrate"  # its name from when it belonged to agreements
        ordering = ["country", "rate_type", "-valid_from"]
        verbose_name = _("legal rate")
        verbose_name_plural = _("legal rates")
        constraints = [
            models.UniqueConstraint(fields=["country", "rate_type", "valid_from"], name="legalrate_unique_start"),
            models.CheckConstraint(condition=Q(valid_to__gte=models.F("valid_from")), name="legalrate_dates_ordered"),
            models.CheckConstraint(condition=Q(rate_ea_pct__gt=0), name="legalrate_rate_positive"),
            models.CheckConstraint(condition=Q(rate_type__in=["ibc", "usury"]), name="legalrate_type_valid"),
            models.CheckConstraint(condition=Q(country__regex=r"^[A-Z]{2}$"), name="legalrate_country_iso"),
        ]

    def __str__(self):
        return f"{self.country} {self.rate_type} {self.valid_from}..{self.valid_to}: {self.rate_ea_pct} %"

    def clean(self):
        super().clean()
        if self.country:
            self.country = self.country.strip().upper()
        if self.valid_from and self.valid_to and self.valid_from <= self.valid_to:
            overlapping = LegalRate.objects.filter(
                country=self.country, rate_type=self.rate_type,
                valid_from__lte=self.valid_to, valid_to__gte=self.valid_from,
            ).exclude(pk=self.pk)
            other = overlapping.first()
            if other is not None:
                raise ValidationError(
                    _("Overlaps %(other)s; end that one first or change the dates.") % {"other": other}
                )
