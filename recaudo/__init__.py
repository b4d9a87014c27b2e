from django.core.exceptions import ImproperlyConfigured


class SettingError(ImproperlyConfigured):
    """An environment variable that recaudo/settings.py cannot use; the `recaudo` command shows it in one line."""
