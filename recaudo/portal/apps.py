from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The debtor portal (issue 16): a debtor or co-debtor gets in with a one-time code sent to a consented contact
    or with a signed single-use link from a message, and sees and pays what they owe. Its sessions are its own
    (a signed cookie naming a row of `PortalSession`), never a staff sign-in. On top of the domain apps, like web."""

    name = "recaudo.portal"
    label = "portal"
    verbose_name = "Portal"
