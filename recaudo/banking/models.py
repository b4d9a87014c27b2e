"""Money that comes in through the bank: a portfolio's payment references, its collection agreements (convenios)
and the lines of bank files that named no single debtor or obligation, kept for review."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from recaudo.core.amounts import MAX_MINOR
from recaudo.core.constraints import one_of
from recaudo.core.sealed import SealBroken, unseal

from .gateways.base import GatewayError
from .matching import reasons_text
from .rules import layout_label, queue_reason_text


class ReferenceKind(models.TextChoices):
    OBLIGATION_NUMBER = "obligation_number", _("Obligation number")
    DEBTOR_CODE = "debtor_code", _("Debtor code")
    NATIONAL_ID = "national_id", _("National ID")
    GENERATED = "generated", _("Generated number with a check digit")


class ReferenceSettings(models.Model):
    """What a portfolio's payment reference is (no row: the obligation number). A generated reference is a number
    and its Luhn check digit (rules.generated_reference), numbered on from `next_number`."""

    portfolio = models.OneToOneField("portfolio.Portfolio", on_delete=models.CASCADE,
                                     related_name="reference_settings")
    kind = models.CharField(_("payment reference"), max_length=20, choices=ReferenceKind.choices,
                            default=ReferenceKind.OBLIGATION_NUMBER)
    next_number = models.PositiveBigIntegerField(default=1)
    # a bank line's best suggestion is applied without a person from this score (banking.matching; 1-100)
    auto_apply_score = models.PositiveSmallIntegerField(_("score to apply a bank line by itself"), default=90)

    class Meta:
        verbose_name = _("payment reference setting")
        verbose_name_plural = _("payment reference settings")
        constraints = [
            models.CheckConstraint(
                condition=one_of("kind", ["obligation_number", "debtor_code", "national_id", "generated"]),
                name="reference_kind_valid"),
            models.CheckConstraint(condition=Q(auto_apply_score__gte=1) & Q(auto_apply_score__lte=100),
                                   name="reference_auto_apply_score_range"),
        ]

    def __str__(self):
        return f"{self.portfolio_id}: {self.kind}"


class PaymentReference(models.Model):
    """A generated payment reference of a debtor (obligation empty) or of one of its obligations; unique in its
    portfolio. Stored without padding zeros (a generated reference never starts with one)."""

    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.CASCADE, related_name="+",
                                  db_index=False)
    value = models.CharField(_("reference"), max_length=48)
    debtor = models.ForeignKey("portfolio.Debtor", on_delete=models.CASCADE, related_name="payment_references")
    obligation = models.OneToOneField("portfolio.Obligation", null=True, blank=True, on_delete=models.CASCADE,
                                      related_name="payment_reference")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("payment reference")
        verbose_name_plural = _("payment references")
        constraints = [
            models.UniqueConstraint(fields=["portfolio", "value"], name="payment_reference_unique"),
            models.UniqueConstraint(fields=["debtor"], condition=Q(obligation__isnull=True),
                                    name="payment_reference_one_per_debtor"),
        ]

    def __str__(self):
        return self.value


class Convenio(models.Model):
    """A collection agreement of a portfolio with a bank: where the money lands and how the bank's main
    reference (48 positions in Asobancaria 2001) is laid out. `reference_layout` is a list of segments
    {"field", "start", "length"} (rules.parse_layout); empty: the whole reference is the payment reference."""

    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.PROTECT, related_name="convenios",
                                  db_index=False)
    name = models.CharField(_("name"), max_length=60)
    bank_code = models.CharField(_("bank code"), max_length=3, help_text=_("Asobancaria code: 007 Bancolombia..."))
    account_number = models.CharField(_("account number"), max_length=17, blank=True)
    account_type = models.CharField(_("account type"), max_length=2, blank=True)
    company_nit = models.CharField(_("company NIT"), max_length=13, blank=True,
                                   help_text=_("as the file header carries it; empty: not checked"))
    service_code = models.CharField(_("service code"), max_length=13, blank=True,
                                    help_text=_("EAN-13 or NIT of the service collected; empty: not checked"))
    reference_layout = models.JSONField(_("reference layout"), default=list, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("collection agreement (convenio)")
        verbose_name_plural = _("collection agreements (convenios)")
        constraints = [
            models.UniqueConstraint(fields=["portfolio", "name"], name="convenio_name_unique"),
        ]

    def __str__(self):
        return self.name


class BankLine(models.Model):
    """One payment of a bank file, kept once whatever files repeat it: its bank fields, and either the payment it
    became (status applied) or why it waits for a person (status queued: it named no single debtor or obligation,
    or the payment rules refused it; status dismissed: a person said it is no collection, `reason` says why).
    `source_key` is the line's idempotency key, also its payment's source_ref."""

    class Kind(models.TextChoices):
        COLLECTION = "collection", _("Collection file")
        STATEMENT = "statement", _("Bank statement")

    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied")
        QUEUED = "queued", _("Waiting for review")
        DISMISSED = "dismissed", _("Not a collection")

    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.PROTECT, related_name="+",
                                  db_index=False)
    convenio = models.ForeignKey(Convenio, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    source_key = models.CharField(max_length=120)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.COLLECTION)
    layout = models.CharField(max_length=20)
    file_sha256 = models.CharField(max_length=64)
    line_number = models.PositiveIntegerField()
    bank_date = models.DateField()
    bank_code = models.CharField(max_length=3, blank=True)
    service_code = models.CharField(max_length=13, blank=True)
    reference = models.CharField(max_length=48, blank=True)
    amount_minor = models.BigIntegerField()
    origin = models.CharField(max_length=2, blank=True)
    channel = models.CharField(max_length=2, blank=True)
    operation = models.CharField(max_length=6, blank=True)
    authorization = models.CharField(max_length=6, blank=True)
    debited_bank = models.CharField(max_length=3, blank=True)
    branch = models.CharField(max_length=4, blank=True)
    sequence = models.CharField(max_length=7, blank=True)
    # a statement line's own fields (empty on a collection file's line)
    transaction_id = models.CharField(max_length=80, blank=True)  # the bank's id of the transaction, if any
    description = models.CharField(max_length=300, blank=True)
    payer_name = models.CharField(max_length=120, blank=True)
    # the scored candidates (rules: [{"debtor_id", "obligation_id", "score", "reasons": [code...]}...]) and why the
    # line waits, as a code (rules) with its parameters; `reason` is kept as the text said at import time
    suggestions = models.JSONField(default=list, blank=True)
    reason_code = models.CharField(max_length=40, blank=True)
    reason_params = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices)
    # how many times the line was applied: an undone line applied again gets new payment keys (source_ref ~2...)
    round = models.PositiveSmallIntegerField(default=1)
    payment = models.OneToOneField("ledger.Payment", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="bank_line")
    reason = models.CharField(max_length=300, blank=True)
    handled_at = models.DateTimeField(null=True, blank=True)  # applied or dismissed by a person from the queue
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   db_index=False, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   db_index=False, related_name="+")

    class Meta:
        verbose_name = _("bank line")
        verbose_name_plural = _("bank lines")
        ordering = ["bank_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["portfolio", "source_key"], name="bank_line_source_key_unique"),
            models.CheckConstraint(condition=Q(amount_minor__gte=0) & Q(amount_minor__lte=MAX_MINOR),
                                   name="bank_line_amount_bounded"),
            models.CheckConstraint(condition=one_of("kind", ["collection", "statement"]),
                                   name="bank_line_kind_valid"),
            models.CheckConstraint(condition=one_of("status", ["applied", "queued", "dismissed"]),
                                   name="bank_line_status_valid"),
            # an applied line has its payment, or its parts when split (BankLinePart); the others none
            models.CheckConstraint(condition=Q(status="applied") | Q(payment__isnull=True),
                                   name="bank_line_only_applied_has_payment"),
        ]
        indexes = [models.Index(fields=["portfolio", "status"])]

    def __str__(self):
        return f"{self.bank_date} {self.reference}"

    @property
    def reason_text(self) -> str:
        """Why the line waits (or waited), in the active language: its code said now, else the text kept. A line
        applied by its best suggestion's score says that score and its reasons."""
        if self.status == self.Status.APPLIED and self.handled_at is None and not self.reason_code \
                and self.suggestions:  # applied by the import, not by a person
            best = max(self.suggestions, key=lambda s: s.get("score", 0))
            return (_("score %(score)s") % {"score": best.get("score", 0)}
                    + ": " + reasons_text(best.get("reasons")))
        if self.reason_code and self.reason_code != "payment_refused":
            return queue_reason_text(self.reason_code, self.reason_params)
        return self.reason or (queue_reason_text(self.reason_code, self.reason_params) if self.reason_code else "")

    @property
    def layout_label(self) -> str:
        return layout_label(self.layout)

    @property
    def reference_unpadded(self) -> str:
        """The bank's reference without its padding zeros, as people write it."""
        return self.reference.lstrip("0") or ("0" if self.reference else "")


class StatementMapping(models.Model):
    """How a portfolio's CSV or XLSX bank statements are laid out (statements.Mapping): which column holds what (a
    header's name or a 1-based number), the separator, encoding, date format, decimal and thousands separators,
    the lines to skip before the header and after the movements, and the sign of credits."""

    class Encoding(models.TextChoices):
        AUTO = "auto", _("UTF-8, else Windows-1252")
        UTF8 = "utf-8", "UTF-8"
        CP1252 = "windows-1252", "Windows-1252"

    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.CASCADE, related_name="+",
                                  db_index=False)
    name = models.CharField(_("name"), max_length=60)
    date_column = models.CharField(_("date column"), max_length=60)
    description_column = models.CharField(_("description column"), max_length=60, blank=True)
    reference_column = models.CharField(_("reference column"), max_length=60, blank=True)
    amount_column = models.CharField(_("amount column"), max_length=60, blank=True)
    debit_column = models.CharField(_("debit column"), max_length=60, blank=True)
    credit_column = models.CharField(_("credit column"), max_length=60, blank=True)
    balance_column = models.CharField(_("balance column"), max_length=60, blank=True)
    transaction_id_column = models.CharField(_("transaction id column"), max_length=60, blank=True)
    payer_column = models.CharField(_("payer column"), max_length=60, blank=True)
    separator = models.CharField(_("separator"), max_length=1, default=",")
    encoding = models.CharField(_("encoding"), max_length=12, choices=Encoding.choices, default=Encoding.AUTO)
    date_format = models.CharField(_("date format"), max_length=20, default="%d/%m/%Y")
    decimal_separator = models.CharField(_("decimal separator"), max_length=1, default=",")
    thousands_separator = models.CharField(_("thousands separator"), max_length=1, blank=True, default=".")
    header_lines_skip = models.PositiveSmallIntegerField(_("lines to skip before the header"), default=0)
    footer_lines_skip = models.PositiveSmallIntegerField(_("lines to skip at the end"), default=0)
    has_header = models.BooleanField(_("has a header row"), default=True)
    credits_negative = models.BooleanField(_("credits are negative"), default=False)
    account = models.CharField(_("account"), max_length=34, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("statement mapping")
        verbose_name_plural = _("statement mappings")
        constraints = [
            models.UniqueConstraint(fields=["portfolio", "name"], name="statement_mapping_name_unique"),
            models.CheckConstraint(condition=one_of("encoding", ["auto", "utf-8", "windows-1252"]),
                                   name="statement_mapping_encoding_valid"),
        ]

    def __str__(self):
        return self.name


class BankUpload(models.Model):
    """A bank file uploaded on the bank page, imported by banking.runs.bank_upload_run: at once when it is small,
    else by the task worker, the page following its progress (stage, done of total) until it ends with the
    import's summary and first lines, or the problems that refused it. The file's bytes are kept only until the
    run ends (its SHA-256 stays in the summary)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the worker")
        RUNNING = "running", pgettext_lazy("bank upload status", "Running")
        DONE = "done", pgettext_lazy("bank upload status", "Done")
        REFUSED = "refused", pgettext_lazy("bank upload status", "Refused")
        FAILED = "failed", pgettext_lazy("bank upload status", "Failed")

    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.CASCADE, related_name="+")
    filename = models.CharField(max_length=200, blank=True)
    content = models.BinaryField(default=b"", blank=True)
    size = models.PositiveIntegerField(default=0)
    layout = models.CharField(max_length=20, default="auto")
    mapping_name = models.CharField(max_length=60, blank=True)
    convenio_name = models.CharField(max_length=60, blank=True)
    dry_run = models.BooleanField(default=False)
    language = models.CharField(max_length=10, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    stage = models.CharField(max_length=20, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict, blank=True)
    lines = models.JSONField(default=list, blank=True)  # the first lines' outcomes (UPLOAD_LINES_SHOWN)
    problems = models.JSONField(default=list, blank=True)
    claimed_by = models.CharField(max_length=200, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   db_index=False, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("bank file upload")
        verbose_name_plural = _("bank file uploads")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=one_of("status", ["pending", "running", "done", "refused", "failed"]),
                                   name="bank_upload_status_valid"),
        ]
        indexes = [models.Index(fields=["status", "heartbeat_at"])]

    def __str__(self):
        return f"{self.filename} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.REFUSED, self.Status.FAILED)

    @property
    def layout_label(self) -> str:
        """The layout the file was read as (its summary's), as people name it."""
        return layout_label((self.summary or {}).get("layout") or self.layout)

    @property
    def percent(self) -> int:
        return min(100, self.done * 100 // self.total) if self.total else 0

    @property
    def bank_date(self):
        """The file's bank date from its summary (a date, or None)."""
        from datetime import date

        value = (self.summary or {}).get("bank_date") or ""
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None


# --- payment gateways --------------------------------------------------------------------------------------------

class GatewayAccount(models.Model):
    """A portfolio's account with one payment gateway (a provider of `gateways.REGISTRY`): its plain settings in
    `config` and its secrets (the adapter's ConfigFields with secret=True) sealed in `secrets_sealed`
    (core/sealed.py), never shown back on pages. At most one account per provider per portfolio. A row saved before
    secrets were sealed still has them in `config`: they are read from there until the account is saved again
    (gateway_account_save moves them) or `recaudo bank gateways --seal` seals them."""

    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.CASCADE, related_name="gateway_accounts",
                                  db_index=False)
    provider = models.CharField(_("provider"), max_length=30)
    config = models.JSONField(default=dict, blank=True)
    secrets_sealed = models.TextField(default="", blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("payment gateway account")
        verbose_name_plural = _("payment gateway accounts")
        constraints = [
            models.UniqueConstraint(fields=["portfolio", "provider"], name="gateway_account_one_per_provider"),
        ]

    def __str__(self):
        return f"{self.portfolio_id}: {self.provider}"

    def secret_values(self) -> dict[str, str]:
        """The sealed secrets; GatewayError (a DomainError) when this installation's keys do not open them."""
        try:
            return unseal(self.secrets_sealed)
        except SealBroken as exc:
            raise GatewayError(f"{self.provider}: {exc}") from None

    def full_config(self) -> dict:
        """What the adapter is given: the plain settings with the secrets unsealed (a row saved before sealing
        keeps its secrets in config: read from there)."""
        return {**(self.config or {}), **self.secret_values()}

    def saved_keys(self) -> set[str]:
        """The settings saved (not empty), secrets included, for pages that say "configured" (never a value);
        secrets this installation's keys cannot open count as not saved."""
        try:
            values = self.full_config()
        except GatewayError:
            values = dict(self.config or {})
        return {key for key, value in values.items() if value}


class PaymentLink(models.Model):
    """A link where a debtor pays online, for its total, one obligation or one agreement installment; `reference`
    is ours, unique in the portfolio, and comes back in the gateway's notification. Open until paid, cancelled or
    past `expires_at` (the daily cycle's sweep marks it expired)."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("payment link", "Open")
        PAID = "paid", pgettext_lazy("payment link", "Paid")
        EXPIRED = "expired", pgettext_lazy("payment link", "Expired")
        CANCELLED = "cancelled", pgettext_lazy("payment link", "Cancelled")

    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.PROTECT, related_name="+",
                                  db_index=False)
    debtor = models.ForeignKey("portfolio.Debtor", on_delete=models.PROTECT, related_name="payment_links")
    obligation = models.ForeignKey("portfolio.Obligation", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    installment = models.ForeignKey("agreements.AgreementInstallment", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    amount_minor = models.BigIntegerField(_("amount"))
    currency = models.CharField(_("currency"), max_length=3)
    reference = models.CharField(_("reference"), max_length=40)
    provider = models.CharField(_("provider"), max_length=30)
    url = models.URLField(_("link"), max_length=500)
    provider_id = models.CharField(max_length=120, blank=True)
    expires_at = models.DateTimeField(_("expires"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    paid_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   db_index=False, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("payment link")
        verbose_name_plural = _("payment links")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["portfolio", "reference"], name="payment_link_reference_unique"),
            models.CheckConstraint(condition=Q(amount_minor__gt=0) & Q(amount_minor__lte=MAX_MINOR),
                                   name="payment_link_amount_bounded"),
            models.CheckConstraint(condition=one_of("status", ["open", "paid", "expired", "cancelled"]),
                                   name="payment_link_status_valid"),
        ]
        indexes = [models.Index(fields=["status", "expires_at"])]

    def __str__(self):
        return self.reference


class GatewayNotification(models.Model):
    """What a gateway told us about one of its transactions, kept once per (provider, transaction id) whatever
    the retries: its last status, and what we did with it (`outcome`, a code of services_gateways.OUTCOMES). An
    approved transaction's payment (source gateway, source_ref gw:<provider>:<transaction id>) is `payment`."""

    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.PROTECT, related_name="+",
                                  db_index=False)
    provider = models.CharField(max_length=30)
    transaction_id = models.CharField(max_length=120)
    event_id = models.CharField(max_length=120, blank=True)
    status = models.CharField(max_length=12)
    amount_minor = models.BigIntegerField(null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    reference = models.CharField(max_length=120, blank=True)
    link = models.ForeignKey(PaymentLink, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="notifications")
    payment = models.OneToOneField("ledger.Payment", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="gateway_notification")
    outcome = models.CharField(max_length=30)
    deliveries = models.PositiveIntegerField(default=1)
    raw = models.JSONField(default=dict, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("payment gateway notification")
        verbose_name_plural = _("payment gateway notifications")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "transaction_id"], name="gateway_notification_unique"),
        ]

    def __str__(self):
        return f"{self.provider}:{self.transaction_id}"


class BankLinePart(models.Model):
    """One part of a bank line split across several debtors or obligations: its own payment, whose source_ref is
    the line's key and the part's number ("<key>/1", "<key>/2"...; "<key>~2/1" once the line was undone and split
    again). The parts of a line's round add up to the line's amount exactly (services.bank_line_split)."""

    line = models.ForeignKey(BankLine, on_delete=models.PROTECT, related_name="parts")
    round = models.PositiveSmallIntegerField(default=1)
    number = models.PositiveSmallIntegerField()
    debtor = models.ForeignKey("portfolio.Debtor", on_delete=models.PROTECT, related_name="+", db_index=False)
    obligation = models.ForeignKey("portfolio.Obligation", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", db_index=False)
    amount_minor = models.BigIntegerField()
    payment = models.OneToOneField("ledger.Payment", on_delete=models.PROTECT, related_name="bank_line_part")

    class Meta:
        verbose_name = _("bank line part")
        verbose_name_plural = _("bank line parts")
        ordering = ["line", "round", "number"]
        constraints = [
            models.UniqueConstraint(fields=["line", "round", "number"], name="bank_line_part_unique"),
            models.CheckConstraint(condition=Q(amount_minor__gt=0) & Q(amount_minor__lte=MAX_MINOR),
                                   name="bank_line_part_amount_bounded"),
        ]

    def __str__(self):
        return f"{self.line_id}/{self.number}"


class TransferReceipt(models.Model):
    """A receipt of a bank transfer that a debtor uploaded in the portal (issue 16 section 2): waits in the office's
    "Por verificar" queue until a supervisor approves it (the payment is received then, source "portal", key
    "receipt:<id>") or rejects it with a reason the debtor is told. The file is a portfolio Document."""

    class Status(models.TextChoices):
        PENDING = "pending", _("To verify")
        APPROVED = "approved", pgettext_lazy("receipt status", "Approved")
        REJECTED = "rejected", pgettext_lazy("receipt status", "Rejected")

    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.PROTECT, related_name="+")
    debtor = models.ForeignKey("portfolio.Debtor", on_delete=models.PROTECT, related_name="transfer_receipts")
    obligation = models.ForeignKey("portfolio.Obligation", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    amount_minor = models.BigIntegerField(_("amount"))
    paid_on = models.DateField(_("transfer date"))
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    document = models.ForeignKey("portfolio.Document", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    payment = models.ForeignKey("ledger.Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    submitted_by = models.CharField(max_length=150)
    submitted_at = models.DateTimeField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("transfer receipt")
        verbose_name_plural = _("transfer receipts")
        ordering = ["submitted_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__gt=0) & Q(amount_minor__lte=MAX_MINOR),
                                   name="transfer_receipt_amount_bounded"),
            models.CheckConstraint(condition=one_of("status", ["pending", "approved", "rejected"]),
                                   name="transfer_receipt_status_valid"),
            # the same file is one receipt per debtor: submitting it twice finds the first (idempotent)
            models.UniqueConstraint(fields=["debtor", "document"], name="transfer_receipt_document_once"),
        ]
        indexes = [models.Index(fields=["portfolio", "status", "submitted_at"])]

    def __str__(self):
        return f"TR-{self.pk}"
