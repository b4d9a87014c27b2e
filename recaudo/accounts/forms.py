from django.contrib.auth.forms import AuthenticationForm


class LoginForm(AuthenticationForm):
    """The standard login form with autofocus and browser autocomplete hints."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})
