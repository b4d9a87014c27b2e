from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.query_utils import DeferredAttribute
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from recaudo.core.amounts import MAX_MINOR, MAX_SUM_MINOR
from recaudo.core.constraints import one_of
from recaudo.core.money import Unit, table_precision

DEFAULT_BUCKETS = [[None, 0], [1, 30], [31, 60], [61, 90], [91, 180], [181, 360], [361, None]]

# portfolio id -> (currency, recorded exponent). A portfolio's exponent never changes once written, so each process
# may keep what it read; a new portfolio clears the map (ids can be reused after a rollback).
_EXPONENTS: dict[int, tuple[str, int]] = {}


def recorded_exponent(portfolio_id: int, currency: str) -> int:
    """The exponent a portfolio's amounts are stored with (Portfolio.money_exponent), read once per process."""
    known = _EXPONENTS.get(portfolio_id)
    if known is None or known[0] != currency:
        row = Portfolio.objects.filter(pk=portfolio_id).values_list("currency", "money_exponent").first()
        if row is None or row[0] != currency:
            return table_precision(currency)  # a row in another currency than its portfolio's: the table decides
        known = _EXPONENTS[portfolio_id] = row
    return known[1]


class _UnitAttribute(DeferredAttribute):
    """Reads a currency column back as a `Unit`: the code carrying the exponent its portfolio records, so every
    conversion of the row's amounts uses the stored scale, whatever the currency table says today."""

    stores_plainly = True  # __set__ only stores the value: core.bulk.new_instances may fill an instance's __dict__

    def __get__(self, instance, cls=None):
        value = super().__get__(instance, cls)
        if instance is None or not value or isinstance(value, Unit):
            return value
        if isinstance(instance, Portfolio):
            exponent = instance.__dict__.get("money_exponent")
            shown = instance.__dict__.get("display_decimals")
            return Unit(value, exponent, shown) if exponent is not None else value
        portfolio_id = instance.__dict__.get("portfolio_id")
        return Unit(value, recorded_exponent(portfolio_id, value)) if portfolio_id else value

    def __set__(self, instance, value):
        # A data descriptor, so reads always pass through __get__ (Django stores field values in __dict__).
        instance.__dict__[self.field.attname] = value


class CurrencyField(models.CharField):
    """ISO 4217 code of amounts stored in minor units; reads back as a Unit with its portfolio's exponent."""

    descriptor_class = _UnitAttribute

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 3)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        return name, "django.db.models.CharField", args, kwargs

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return str(value) if value is not None else None


LOGO_MAX_BYTES = 256 * 1024  # a logo for documents: PNG or JPEG up to 256 KB


class PaymentReference(models.TextChoices):
    """What a debtor quotes as the reference when paying at the bank (the statement prints it)."""

    ID_NUMBER = "id_number", _("The debtor's ID number (NIT or cédula)")
    CODE = "code", _("The customer code")


class Portfolio(models.Model):
    """A creditor's book: a company's receivables, a building's HOA fees, an agency client's assigned debts."""

    class AllocationMode(models.TextChoices):
        # Either way what is due on the payment date is paid before anything not yet due (ledger.rules; decision
        # 0010); the mode orders each of the two groups.
        OBLIGATION_FIRST = "obligation", _("Due first: oldest due obligation first, each fees, interest, principal")
        COMPONENT_FIRST = "component", _(
            "Due first, by component: all due fees, then due interest, then due principal")

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    creditor = models.CharField(_("creditor"), max_length=200, blank=True)
    country = models.CharField(_("country"), max_length=2)
    currency = CurrencyField(_("currency"))
    money_exponent = models.PositiveSmallIntegerField(
        _("minor-unit exponent"), editable=False,
        help_text=_("decimals of the stored amounts (COP 2, CLP 0), recorded from the project's currency table when "
                    "the portfolio is created; never changes"),
    )
    display_decimals = models.PositiveSmallIntegerField(
        _("decimals shown"), null=True, blank=True,
        help_text=_("how many decimals pages and documents show (0 shows whole pesos); empty shows the stored "
                    "precision. Storage never changes with it."),
    )
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
        _("allocation mode"), max_length=12, choices=AllocationMode.choices, default=AllocationMode.OBLIGATION_FIRST
    )
    # Habeas data (Ley 1581 de 2012, art. 4 principles of purpose and restricted access; docs/habeas-data.md).
    agents_see_assigned_only = models.BooleanField(
        _("agents see only their assigned debtors"), default=False,
        help_text=_("when on, an agent's debtor list, search, debtor pages, exports and queue include only the "
                    "debtors assigned to them; other debtors answer 'not found'"),
    )
    retain_import_files_days = models.PositiveIntegerField(
        _("keep uploaded import files (days)"), null=True, blank=True,
        help_text=_("`recaudo retention run` deletes uploaded files (and their rejected-rows files) of imports "
                    "finished more than these days ago; the import's report stays. Empty keeps them."),
    )
    retain_message_bodies_days = models.PositiveIntegerField(
        _("keep message bodies (days)"), null=True, blank=True,
        help_text=_("`recaudo retention run` blanks the text of messages created more than these days ago; "
                    "channel, dates and status stay. Empty keeps them."),
    )
    # The creditor as the statement of account presents it, and how a debtor pays (portfolio settings page).
    creditor_nit = models.CharField(_("creditor's NIT"), max_length=20, blank=True,
                                    help_text=_("with its check digit, e.g. 900.123.456-8"))
    creditor_address = models.CharField(_("creditor's address"), max_length=300, blank=True)
    creditor_contact = models.CharField(_("creditor's phone and e-mail"), max_length=200, blank=True)
    creditor_logo = models.BinaryField(_("creditor's logo"), null=True, blank=True, editable=False,
                                       max_length=LOGO_MAX_BYTES)
    creditor_logo_type = models.CharField(max_length=20, blank=True, editable=False)
    # The debtor portal's look (issue 16): the creditor's name and logo above, and this colour (#RRGGBB, dark
    # enough for white text: recaudo.portfolio.rules.brand_color_check); empty: Recaudo's own.
    brand_color = models.CharField(_("portal colour"), max_length=7, blank=True)
    # The creditor's own host name for the portal (pagos.edificio.com): a request to it reaches this portfolio's
    # portal at "/" (recaudo.portal.middleware.PortalHostMiddleware); it must also be in ALLOWED_HOSTS.
    portal_host = models.CharField(_("portal host name"), max_length=253, blank=True)
    payment_bank = models.CharField(_("bank"), max_length=100, blank=True)
    payment_account = models.CharField(_("account"), max_length=100, blank=True,
                                       help_text=_("type and number, e.g. Cuenta corriente 123-456789-01"))
    payment_agreement = models.CharField(_("collection agreement (convenio)"), max_length=40, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=12, choices=PaymentReference.choices,
                                         default=PaymentReference.ID_NUMBER)
    payment_notes = models.CharField(_("other ways to pay"), max_length=300, blank=True,
                                     help_text=_("e.g. PSE at www.empresa.co/pagos, cash at the office"))
    # The creditor as certificates present it (paz y salvo, certificate of debt of a building: Ley 675 de 2001
    # art. 48 names the building, its legal status and its legal representative; docs/certificates.md).
    legal_status = models.CharField(_("legal status"), max_length=300, blank=True,
                                    help_text=_("e.g. Propiedad horizontal, personería jurídica inscrita en la "
                                                "Alcaldía Local de Chapinero, Resolución 123 de 2010"))
    legal_representative = models.CharField(_("legal representative"), max_length=200, blank=True,
                                            help_text=_("the building's administrator, who signs certificates"))
    legal_representative_id = models.CharField(_("legal representative's ID"), max_length=40, blank=True,
                                               help_text=_("type and number, e.g. CC 79.123.456"))
    certificate_city = models.CharField(_("city where certificates are issued"), max_length=100, blank=True,
                                        help_text=_("e.g. Bogotá D.C."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("portfolio")
        verbose_name_plural = _("portfolios")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(country__regex=r"^[A-Z]{2}$"), name="portfolio_country_iso"),
            models.CheckConstraint(condition=Q(currency__regex=r"^[A-Z]{3}$"), name="portfolio_currency_iso"),
            models.CheckConstraint(condition=Q(money_exponent__lte=4), name="portfolio_money_exponent_range"),
            models.CheckConstraint(condition=Q(display_decimals__isnull=True) | Q(display_decimals__lte=4),
                                   name="portfolio_display_decimals_range"),
            models.UniqueConstraint(fields=["portal_host"], condition=~Q(portal_host=""),
                                    name="portfolio_portal_host_unique"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        creating = self._state.adding
        super().save(*args, **kwargs)
        if creating:
            _EXPONENTS.clear()

    def today(self, now: datetime | None = None) -> date:
        """The business date: today (or `now`) in the portfolio's time zone."""
        return (now or timezone.now()).astimezone(ZoneInfo(self.timezone)).date()

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
    # Derived from the ledger by recaudo.ledger.posting.refresh_summaries; never edited by hand.
    balance_minor = models.BigIntegerField(default=0)
    open_count = models.IntegerField(default=0)
    oldest_due_date = models.DateField(null=True, blank=True)
    disputed = models.BooleanField(default=False)
    credit_minor = models.BigIntegerField(default=0, help_text="unapplied payments (debtor credit)")
    search_text = models.TextField(blank=True, default="")
    habeas_claim_since = models.DateTimeField(
        _("claim in progress since"), null=True, blank=True,
        help_text="reclamo en tramite (Ley 1581 de 2012 art. 15): set while a complete habeas data claim is open "
                  "(written by privacy.services only)")
    anonymized_at = models.DateTimeField(
        _("anonymized at"), null=True, blank=True,
        help_text=_("identity removed on request (Ley 1581 de 2012, art. 8 e); the ledger is kept"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("debtor")
        verbose_name_plural = _("debtors")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["portfolio", "code"], name="debtor_code_unique_per_portfolio"),
            models.CheckConstraint(condition=one_of("kind", ["person", "company"]), name="debtor_kind_valid"),
            models.CheckConstraint(condition=Q(balance_minor__gte=0), name="debtor_balance_not_negative"),
            # docs/amounts.md: a debtor's sums fit what a portfolio's sums can hold
            models.CheckConstraint(condition=Q(balance_minor__lte=MAX_SUM_MINOR) & Q(credit_minor__gte=0)
                                   & Q(credit_minor__lte=MAX_SUM_MINOR), name="debtor_balance_bounded"),
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
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
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

    class Method(models.TextChoices):
        """How the debtor gave (or withdrew) the consent: the evidence to look for (Ley 1581 de 2012, art. 9)."""
        WRITTEN = "written", _("In writing (signed document)")
        RECORDED_CALL = "recorded_call", _("Verbally, on a recorded call")
        WEB_FORM = "web_form", _("Web form")
        WHATSAPP = "whatsapp", _("WhatsApp message")
        EMAIL = "email", _("E-mail")
        CONTRACT = "contract", _("Contract clause")
        OTHER = "other", _("Other")

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    status = models.CharField(max_length=10, choices=Status.choices)
    at = models.DateTimeField()
    source = models.CharField(max_length=200, blank=True, help_text=_("how: contract clause, import, portal, call"))
    method = models.CharField(_("how it was given"), max_length=16, choices=Method.choices, blank=True)
    given_on = models.DateField(_("date given"), null=True, blank=True,
                                help_text=_("the day the debtor gave or withdrew it (empty: the day it was recorded)"))

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [models.UniqueConstraint(fields=["contact", "channel"], name="consent_unique_per_channel")]

    def __str__(self):
        return f"{self.channel}: {self.status}"


class Note(models.Model):
    """A free-text note on a debtor, written by a user of the portfolio (shown escaped, in the timeline too)."""

    debtor = models.ForeignKey(Debtor, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField(_("note"))
    author = models.CharField(_("author"), max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.text[:60]


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
        PAID = "paid", pgettext_lazy("obligation status", "Paid")
        WRITTEN_OFF = "written_off", _("Written off")
        # Refinanced into an accepted payment agreement: balance 0 here, the plan's installments carry the debt.
        IN_AGREEMENT = "in_agreement", _("In agreement")

    # Foreign keys covered by the composite indexes in Meta carry no index of their own (faster bulk inserts).
    portfolio = models.ForeignKey(Portfolio, on_delete=models.PROTECT, related_name="obligations", db_index=False)
    debtor = models.ForeignKey(Debtor, on_delete=models.PROTECT, related_name="obligations", db_index=False)
    number = models.CharField(_("number"), max_length=64)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.INVOICE)
    issue_date = models.DateField(_("issue date"))
    due_date = models.DateField(_("due date"))
    original_minor = models.BigIntegerField(_("original amount"))
    currency = CurrencyField(_("currency"))
    description = models.CharField(_("description"), max_length=500, blank=True)
    external_ref = models.CharField(_("external reference"), max_length=100, blank=True)
    disputed = models.BooleanField(_("disputed"), default=False)
    dispute_reason = models.CharField(_("dispute reason"), max_length=500, blank=True)
    # Derived from the ledger by recaudo.ledger.posting.refresh_summaries; never edited by hand.
    balance_minor = models.BigIntegerField(default=0)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("obligation")
        verbose_name_plural = _("obligations")
        ordering = ["due_date", "number"]
        constraints = [
            models.UniqueConstraint(fields=["portfolio", "number"], name="obligation_number_unique_per_portfolio"),
            models.CheckConstraint(
                condition=Q(due_date__gte=models.F("issue_date")), name="obligation_due_after_issue"
            ),
            models.CheckConstraint(condition=Q(original_minor__gt=0), name="obligation_amount_positive"),
            models.CheckConstraint(condition=Q(balance_minor__gte=0), name="obligation_balance_not_negative"),
            # docs/amounts.md: at most 10^15 minor units an amount, sums within what a portfolio's sums can hold
            models.CheckConstraint(condition=Q(original_minor__lte=MAX_MINOR), name="obligation_amount_bounded"),
            models.CheckConstraint(condition=Q(balance_minor__lte=MAX_SUM_MINOR), name="obligation_balance_bounded"),
            models.CheckConstraint(
                condition=one_of("status", ["open", "paid", "written_off", "in_agreement"]),
                name="obligation_status_valid"
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
        verbose_name = _("obligation party")
        verbose_name_plural = _("obligation parties")
        constraints = [
            models.UniqueConstraint(fields=["obligation", "debtor"], name="obligation_party_unique"),
        ]

    def __str__(self):
        return f"{self.role}: {self.debtor_id}"


class Document(models.Model):
    """A file attached to a debtor or one of its obligations (invoice copy, signed agreement). Its bytes live in
    the database (DocumentContent), not on a disk: the processes are stateless and may run on several machines."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Invoice copy")
        AGREEMENT = "agreement", _("Signed agreement")
        PAYMENT_PROOF = "payment_proof", _("Proof of payment")
        CORRESPONDENCE = "correspondence", _("Correspondence")
        OTHER = "other", _("Other")

    portfolio = models.ForeignKey(Portfolio, on_delete=models.PROTECT, related_name="documents", db_index=False)
    debtor = models.ForeignKey(Debtor, on_delete=models.CASCADE, related_name="documents")
    obligation = models.ForeignKey(Obligation, on_delete=models.CASCADE, related_name="documents", null=True,
                                   blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.OTHER)
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=50, choices=[("application/pdf", "PDF"), ("image/jpeg", "JPEG"),
                                                            ("image/png", "PNG")])
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=one_of("content_type", ["application/pdf", "image/jpeg", "image/png"]),
                                   name="document_content_type_valid"),
        ]

    def __str__(self):
        return self.filename


class DocumentContent(models.Model):
    """A document's bytes, apart from its row so that listing documents never reads them."""

    document = models.OneToOneField(Document, on_delete=models.CASCADE, primary_key=True, related_name="content")
    data = models.BinaryField()

    class Meta:
        verbose_name = _("document content")
        verbose_name_plural = _("document contents")

    def __str__(self):
        return str(self.document_id)

class SavedFilter(models.Model):
    """A named search of the debtor list ("mis 31-60 más de 5M"): the list's query string, private to its owner in
    one portfolio unless shared with the portfolio's other users."""

    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="saved_filters")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters")
    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(_("filter"), max_length=1000, blank=True)
    shared = models.BooleanField(_("shared"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("saved filter")
        verbose_name_plural = _("saved filters")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["portfolio", "owner", "name"], name="saved_filter_name_unique"),
        ]

    def __str__(self):
        return self.name


def tags_to_db(tags: list[str]) -> str:
    clean = sorted({t.strip().lower() for t in tags if t and t.strip()})
    return "|" + "|".join(clean) + "|" if clean else ""


class ContactPreference(models.Model):
    """The channels and hours a debtor chose (Ley 2300 de 2023, art. 3: only the channels the consumer authorized),
    set in the portal or by an agent. `channels`: the consent channels the debtor wants to be contacted on (empty:
    no choice made, the consents alone decide); `hours_from`-`hours_to`: the wall-clock window, local time (empty:
    the legal hours alone). The compliance decision honours both (rule kind "debtor_preferences")."""

    debtor = models.OneToOneField(Debtor, on_delete=models.CASCADE, related_name="contact_preference")
    channels = models.JSONField(_("preferred channels"), default=list, blank=True)
    hours_from = models.TimeField(_("from"), null=True, blank=True)
    hours_to = models.TimeField(_("until"), null=True, blank=True)
    updated_at = models.DateTimeField()
    updated_by = models.CharField(max_length=150)

    class Meta:
        verbose_name = _("contact preference")
        verbose_name_plural = _("contact preferences")
        constraints = [
            models.CheckConstraint(condition=(Q(hours_from__isnull=True) & Q(hours_to__isnull=True))
                                   | Q(hours_from__lt=models.F("hours_to")), name="contact_preference_hours_valid"),
        ]

    def __str__(self):
        return f"{self.debtor_id}: {','.join(self.channels)}"


class ServiceRating(models.Model):
    """A debtor's rating of the service after an action in the portal (1-5, an optional comment); the analytics
    read them through selectors.service_ratings_summary."""

    portfolio = models.ForeignKey(Portfolio, on_delete=models.PROTECT, related_name="+")
    debtor = models.ForeignKey(Debtor, on_delete=models.CASCADE, related_name="service_ratings")
    action = models.CharField(_("action"), max_length=30)
    score = models.PositiveSmallIntegerField(_("score"))
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("service rating")
        verbose_name_plural = _("service ratings")
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(score__gte=1) & Q(score__lte=5),
                                              name="service_rating_score_1_5")]
        indexes = [models.Index(fields=["portfolio", "created_at"])]

    def __str__(self):
        return f"{self.debtor_id}: {self.score}"
