"""The WSGI application (gunicorn in `recaudo serve`, or any WSGI server on recaudo.wsgi:application)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recaudo.settings")
application = get_wsgi_application()


def _use_installation_secret_key() -> None:
    """Every web process signs sessions and links with the key stored in the database (unless SECRET_KEY is set),
    so a user signed in on one machine stays signed in on the next one."""
    from django.db import connections

    from recaudo.core.secret import use_installation_secret_key

    try:
        use_installation_secret_key()
    finally:
        connections.close_all()  # the first request opens its own connection


_use_installation_secret_key()
