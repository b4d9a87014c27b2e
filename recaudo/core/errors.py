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
