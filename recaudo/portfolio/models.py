from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from recaudo.core.constraints import one_of

DEFAULT_BUCKETS = [[None, 0], [1, 30], [31, 60], [61, 90], [91, 180], [181, 360], [361, None]]


class Portfolio(models.Model):
    """A creditor's book: a company's receivables, a building's HOA fees, an agency client's assigned debts."""

    class AllocationMode(models.TextChoices):
        COMPONENT_FIRST = "component", _("By component across obligations (all fees, then interest, then principal)")
        OBLIGATION_FIRST = "obligation", _("By obligation (oldest first), each by component")

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    creditor = models.CharField(_("creditor"), max_length=200, blank=True)
    country = models.CharField(_("country"), max_length=2)
    currency = models.CharField(_("currency"), max_length=3)
    timezone = models.CharField(_("time zone"), max_length=64)
    aging_buckets = models.JSONField(
        _("aging buckets"),
        null=True,
        blank=True,
        help_text=_("List of [min_days, max_days]; null = open-ended. Empty uses the default buckets."),
    )
    allocation_order = models.JSONField(
        _("allocation order"),
        default=list,
        blank=True,
        help_text=_('Components, e.g. ["fee", "interest", "principal"]'),
    )
    allocation_mode = models.CharField(
        max_length=12, choices=AllocationMode.choices, default=AllocationMode.COMPONENT_FIRST
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(country__regex=r"^[A-Z]{2}$"), name="portfolio_country_iso"),
            models.CheckConstraint(condition=Q(currency__regex=r"^[A-Z]{3}$"), name="portfolio_currency_iso"),
        ]

    def __str__(self):
        return self.name

    @property
    def buckets(self):
        return self.aging_buckets or DEFAULT_BUCKETS


class Debtor(models.Model):
    class Kind(models.TextChoices):
        PERSON = "person", _("Person")
        COMPANY = "company", _("Company")

    portfolio = models.ForeignKey(Portfolio, on_delete=models.PROTECT, related_name="debtors", db_index=False)
    code = models.CharField(_("customer code"), max_length=64)
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices, default=Kind.PERSON)
    id_type = models.CharField(_("ID type"), max_length=10, blank=True)
    id_number = models.CharField(_("ID number"), max_length=32, blank=True)
    name = models.CharField(_("name"), max_length=200)
    customer_since = models.DateField(_("customer since"), null=True, blank=True)
    tags = models.CharField(_("tags"), max_length=500, blank=True, help_text=_("Stored as |tag1|tag2|"))
    language = models.CharField(_("language"), max_length=8, blank=True, default="es")
    timezone = models.CharField(_("time zone"), max_length=64, blank=True)
    # Derived from the ledger by recaudo.ledger.services.refresh_summaries; never edited by hand.
    balance_minor = models.BigIntegerField(default=0)
    open_count = models.IntegerField(default=0)
    oldest_due_date = models.DateField(null=True, blank=True)
    disputed = models.BooleanField(default=False)
    credit_minor = models.BigIntegerField(default=0, help_text="unapplied payments (debtor credit)")
    search_text = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["portfolio", "code"], name="debtor_code_unique_per_portfolio"),
            models.CheckConstraint(condition=one_of("kind", ["person", "company"]), name="debtor_kind_valid"),
            models.CheckConstraint(condition=Q(balance_minor__gte=0), name="debtor_balance_not_negative"),
        ]
        indexes = [
            models.Index(fields=["portfolio", "name"]),
            models.Index(fields=["portfolio", "balance_minor"]),
            models.Index(fields=["portfolio", "oldest_due_date"]),
            models.Index(fields=["portfolio", "id_number"]),
        ]

    def __str__(self):
        return f"{self.name} ({self.code})"

    @property
    def tag_list(self) -> list[str]:
        return [t for t in self.tags.split("|") if t]


class Contact(models.Model):
    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("Email")
        WHATSAPP = "whatsapp", _("WhatsApp")
        ADDRESS = "address", _("Postal address")

    class Role(models.TextChoices):
        DEBTOR = "debtor", _("Debtor")
        CO_DEBTOR = "co_debtor", _("Co-debtor")
        GUARANTOR = "guarantor", _("Guarantor")
        REFERENCE = "reference", _("Reference (never for collection)")

    debtor = models.ForeignKey(Debtor, on_delete=models.CASCADE, related_name="contacts", db_index=False)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    value = models.CharField(max_length=300, help_text=_("E.164 phone, email or address"))
    city = models.CharField(max_length=100, blank=True)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.DEBTOR)
    holder_name = models.CharField(max_length=200, blank=True, help_text=_("when the contact is not the debtor"))
    is_primary = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["debtor", "channel", "value"], name="contact_unique_per_debtor"),
        ]
        indexes = [models.Index(fields=["value"], name="contact_value_idx")]  # exact phone/e-mail search

    def __str__(self):
        return f"{self.get_channel_display()}: {self.value}"

    @property
    def collectable(self) -> bool:
        return self.role != self.Role.REFERENCE


class Consent(models.Model):
    """Per-channel consent of one contact: the latest state; history is in the audit trail."""

    class Channel(models.TextChoices):
        CALL = "call", _("Call")
        SMS = "sms", _("SMS")
        WHATSAPP = "whatsapp", _("WhatsApp")
        EMAIL = "email", _("Email")
        LETTER = "letter", _("Letter")
        VISIT = "visit", _("Visit")

    class Status(models.TextChoices):
        GRANTED = "granted", _("Granted")
        REVOKED = "revoked", _("Revoked")

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    status = models.CharField(max_length=10, choices=Status.choices)
    at = models.DateTimeField()
    source = models.CharField(max_length=200, blank=True, help_text=_("how: contract clause, import, portal, call"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["contact", "channel"], name="consent_unique_per_channel")]

    def __str__(self):
        return f"{self.channel}: {self.status}"


class Obligation(models.Model):
    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        INSTALLMENT = "installment", _("Installment")
        LOAN = "loan", _("Loan")
        HOA_FEE = "hoa_fee", _("HOA fee")
        FINE = "fine", _("Fine")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        PAID = "paid", _("Paid")
        WRITTEN_OFF = "written_off", _("Written off")

    # Foreign keys covered by the composite indexes in Meta carry no index of their own (faster bulk inserts).
    portfolio = models.ForeignKey(Portfolio, on_delete=models.PROTECT, related_name="obligations", db_index=False)
    debtor = models.ForeignKey(Debtor, on_delete=models.PROTECT, related_name="obligations", db_index=False)
    number = models.CharField(_("number"), max_length=64)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.INVOICE)
    issue_date = models.DateField(_("issue date"))
    due_date = models.DateField(_("due date"))
    original_minor = models.BigIntegerField(_("original amount"))
    currency = models.CharField(_("currency"), max_length=3)
    description = models.CharField(_("description"), max_length=500, blank=True)
    external_ref = models.CharField(_("external reference"), max_length=100, blank=True)
    disputed = models.BooleanField(_("disputed"), default=False)
    dispute_reason = models.CharField(_("dispute reason"), max_length=500, blank=True)
    # Derived from the ledger by recaudo.ledger.services.refresh_summaries; never edited by hand.
    balance_minor = models.BigIntegerField(default=0)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_date", "number"]
        constraints = [
            models.UniqueConstraint(fields=["portfolio", "number"], name="obligation_number_unique_per_portfolio"),
            models.CheckConstraint(
                condition=Q(due_date__gte=models.F("issue_date")), name="obligation_due_after_issue"
            ),
            models.CheckConstraint(condition=Q(original_minor__gt=0), name="obligation_amount_positive"),
            models.CheckConstraint(condition=Q(balance_minor__gte=0), name="obligation_balance_not_negative"),
            models.CheckConstraint(
                condition=one_of("status", ["open", "paid", "written_off"]), name="obligation_status_valid"
            ),
        ]
        # No (portfolio, status, due_date) index: no query reads a portfolio's obligations in due-date order (the
        # aging scans them, the interest run pages by id, a debtor's go by (debtor, due_date)), and its inserts in
        # due-date order, at random, were a sixth of a bulk load's obligation cost on PostgreSQL.
        indexes = [
            models.Index(fields=["debtor", "due_date"]),
        ]

    def __str__(self):
        return self.number


class ObligationParty(models.Model):
    """Co-debtors and guarantors of an obligation (they may be contacted like the debtor)."""

    class Role(models.TextChoices):
        CO_DEBTOR = "co_debtor", _("Co-debtor")
        GUARANTOR = "guarantor", _("Guarantor")

    obligation = models.ForeignKey(Obligation, on_delete=models.CASCADE, related_name="parties")
    debtor = models.ForeignKey(Debtor, on_delete=models.PROTECT, related_name="guaranteed_obligations")
    role = models.CharField(max_length=10, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["obligation", "debtor"], name="obligation_party_unique"),
        ]

    def __str__(self):
        return f"{self.role}: {self.debtor_id}"


def tags_to_db(tags: list[str]) -> str:
    clean = sorted({t.strip().lower() for t in tags if t and t.strip()})
    return "|" + "|".join(clean) + "|" if clean else ""
