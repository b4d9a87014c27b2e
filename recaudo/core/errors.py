"""One vocabulary for errors: every domain error is a DomainError.

A domain error says that a rule refused an input or an action, in words for the user: `message` (the text to show,
in the active language where the error knows how to translate itself) and `field`, the input it concerns (a form
field, a command option, an API field) or None when it concerns the whole request. Views, commands and the API
catch DomainError and show the message at the field; anything else is a bug and is not caught.

It is a ValueError, so code written before it existed keeps working.
"""

from __future__ import annotations


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


def show_at_field(form, error: DomainError) -> None:
    """Show a domain error on a Django form: at its field when the form has that field, else above the form (each
    problem on its own line when the error found several)."""
    if error.field in form.fields:
        form.add_error(error.field, error.message)
        return
    for problem in error.problems:
        form.add_error(None, problem)


class NotAllowed(DomainError):
    """The user may not do this (a role, the authority matrix, a maker-checker rule): pages answer 403, the API
    403, commands exit with the message."""
