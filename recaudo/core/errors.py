"""One vocabulary for errors: every domain error is a DomainError.

A domain error says that a rule refused an input or an action, in words for the user: `message` (the text to show,
in the active language where the error knows how to translate itself) and `field`, the input it concerns (a form
field, a command option, an API field) or None when it concerns the whole request. Views, commands and the API
catch DomainError and show the message at the field; anything else is a bug and is not caught.

It is a ValueError, so code written before it existed keeps working.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied


class DomainError(ValueError):
    field: str | None = None

    def __init__(self, message: str = "", field: str | None = None):
        super().__init__(message)
        if field is not None:
            self.field = field

    @property
    def message(self) -> str:
        """The message for the user (subclasses that carry a translatable template translate it here)."""
        return str(self)

    @property
    def problems(self) -> list[str]:
        """Each problem on its own ("path: what is wrong"), for errors that find several at once."""
        return list(getattr(self, "_problems", None) or [self.message])


def several(errors: list[DomainError]) -> DomainError:
    """Several errors a service found at once (a form's fields checked together) as the one it raises: the first,
    carrying them all, so a page shows each at its own field (show_at_field) and a command or the API lists them
    (`problems`)."""
    first = errors[0]
    if len(errors) > 1:
        first._at_fields = [(e.field, problem) for e in errors for problem in e.problems]
        first._problems = [problem for _field, problem in first._at_fields]
    return first


def show_at_field(form, error: DomainError) -> None:
    """Show a domain error on a Django form: at its field when the form has that field, else above the form (each
    problem on its own line when the error found several; each at its own field when `several` made it)."""
    at_fields = getattr(error, "_at_fields", None)
    if at_fields:
        for field, message in at_fields:
            form.add_error(field if field in form.fields else None, message)
        return
    if error.field in form.fields:
        form.add_error(error.field, error.message)
        return
    for problem in error.problems:
        form.add_error(None, problem)


# What domain_call answers when the form was not valid or the call raised a DomainError.
FAILED = object()


def domain_call(form, call, *, request=None):
    """A page's one domain call: `call()`'s result; or FAILED when `form` (a bound form) is not valid, or when the
    call raised a DomainError, shown at its field of `form` (show_at_field) or, with no form, as an error message
    on `request` for the next page. NotAllowed is a 403 (PermissionDenied). Views then read:

        if domain_call(form, lambda: service(x=form.cleaned_data["x"], actor=request.user)) is not FAILED:
            messages.success(request, ...)
            return redirect(...)
    """
    if form is not None and not form.is_valid():
        return FAILED
    try:
        return call()
    except NotAllowed:
        raise PermissionDenied from None
    except DomainError as exc:
        if form is not None:
            show_at_field(form, exc)
        else:
            for problem in exc.problems:
                messages.error(request, problem)
        return FAILED


class NotAllowed(DomainError):
    """The user may not do this (a role, the authority matrix, a maker-checker rule): pages answer 403, the API
    403, commands exit with the message."""
