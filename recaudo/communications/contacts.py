"""Which contact a message goes to: the debtor's primary collectable contact with consent for the channel."""

from __future__ import annotations

from collections import defaultdict

from recaudo.portfolio.models import Consent, Contact

# message channel -> the contact kinds that can carry it
CONTACT_KINDS = {
    "email": (Contact.Channel.EMAIL,),
    "sms": (Contact.Channel.PHONE, Contact.Channel.WHATSAPP),
    "whatsapp": (Contact.Channel.WHATSAPP, Contact.Channel.PHONE),
    "letter": (Contact.Channel.ADDRESS,),
}
ROLE_ORDER = {Contact.Role.DEBTOR: 0, Contact.Role.CO_DEBTOR: 1, Contact.Role.GUARANTOR: 2}


def contacts_for(debtor_ids: list[int], channel: str) -> dict[int, Contact]:
    """debtor id -> the contact to use for `channel` (granted consent, never a reference), for a whole batch."""
    consents = (Consent.objects.filter(contact__debtor_id__in=debtor_ids, channel=channel,
                                       status=Consent.Status.GRANTED,
                                       contact__channel__in=CONTACT_KINDS.get(channel, ()))
                .exclude(contact__role=Contact.Role.REFERENCE).select_related("contact"))
    candidates: dict[int, list[Contact]] = defaultdict(list)
    for consent in consents:
        candidates[consent.contact.debtor_id].append(consent.contact)
    kinds = CONTACT_KINDS.get(channel, ())

    def rank(c: Contact):
        return (ROLE_ORDER.get(c.role, 9), kinds.index(c.channel), not c.is_primary, c.pk)

    return {debtor_id: min(items, key=rank) for debtor_id, items in candidates.items()}


def consent_granted(contact_ids: list[int], channel: str) -> set[int]:
    return set(Consent.objects.filter(contact_id__in=contact_ids, channel=channel, status=Consent.Status.GRANTED)
               .exclude(contact__role=Contact.Role.REFERENCE).values_list("contact_id", flat=True))


def address_of(contact: Contact) -> str:
    return contact.value
