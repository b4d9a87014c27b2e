"""Pure rules of signing in: which address a request comes from, when failures lock out, who needs a second
factor. No database, no settings: callers pass what they read."""

from __future__ import annotations

import hashlib
import ipaddress

TWO_FACTOR_POLICIES = ("off", "admins", "all")


def client_address(remote_addr: str | None, forwarded_for: str | None, trusted_proxies: int) -> str | None:
    """The client's address. With no trusted proxy (the default) it is the connection's own address, whatever a
    client writes in X-Forwarded-For. Behind N proxies of ours, each appending the address it saw to
    X-Forwarded-For, it is the N-th address from the right: the one the outermost of our proxies saw (anything to
    its left was written by the client). A header with fewer addresses than that, or a malformed one, did not
    come through our proxies: the connection's address is used."""
    if trusted_proxies <= 0 or not forwarded_for:
        return remote_addr
    hops = [hop.strip() for hop in forwarded_for.split(",")]
    if len(hops) < trusted_proxies:
        return remote_addr
    candidate = hops[-trusted_proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote_addr


def scaled_failures(failures: list[int], limits: list[int], base_limit: int) -> int:
    """django-axes compares one number of failures with one limit; Recaudo has a limit per kind of count (one
    account from one address, one account, one address). This returns a number that reaches base_limit exactly
    when some count reaches its own limit: floor(count * base / limit) >= base  <=>  count >= limit."""
    return max((count * base_limit // limit for count, limit in zip(failures, limits, strict=True)), default=0)


def two_factor_required(policy: str, *, is_superuser: bool, is_staff: bool) -> bool:
    """Whether the installation's policy (RECAUDO_REQUIRE_2FA) makes a second factor compulsory for this user:
    "admins" for those who can open the administration (superusers and staff), "all" for everyone."""
    if policy == "all":
        return True
    if policy == "admins":
        return is_superuser or is_staff
    return False


def normalized_username(value) -> str | None:
    """The attempted username as failures are counted: stripped and case-folded, so "Admin " and "admin" count
    together. Counting never needs the account to exist."""
    if value is None:
        return None
    return str(value).strip().casefold()[:150] or None


# --- Invitations and roles -------------------------------------------------------------------------------------

INVITATION_HOURS = 72  # how long an invitation link works


def token_digest(token: str) -> str:
    """What is stored of an invitation token: its SHA-256, so a copy of the database opens no account."""
    return hashlib.sha256(str(token).encode("utf-8")).hexdigest()


def invitation_state(*, expires_at, used_at, now) -> str:
    """'used' (the link worked once already), 'expired' (past expires_at) or 'valid'."""
    if used_at is not None:
        return "used"
    if now >= expires_at:
        return "expired"
    return "valid"


def leaves_self_without_admin(*, actor_is_superuser: bool, same_person: bool, current_role: str | None,
                              new_role: str | None, other_admin_portfolios: int) -> bool:
    """Whether a change of a user's role in one portfolio (new_role None: revoked) would take away the acting
    administrator's own last administrator rights: they could no longer manage users at all. Superusers keep
    theirs whatever their memberships say. Example: an admin of one portfolio making themself a supervisor -> True;
    the same with admin rights in another portfolio -> False."""
    if actor_is_superuser or not same_person or current_role != "admin" or new_role == "admin":
        return False
    return other_admin_portfolios == 0
