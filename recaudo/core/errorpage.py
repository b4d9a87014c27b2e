"""The page an unexpected error answers (urls.handler500): a short message in the user's language, never a
traceback. A database error (a check constraint, a deadlock, a lost connection) says in one line what the database
refused (recaudo.core.dberrors); anything else says only that the request failed and was logged."""

from __future__ import annotations

import sys

from django.db import DatabaseError
from django.http import HttpResponseServerError
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

from .dberrors import database_message_translated


@requires_csrf_token
def server_error(request, template_name: str = "500.html"):
    exc = sys.exc_info()[1]  # Django calls the handler inside its except block
    message = database_message_translated(exc) if isinstance(exc, DatabaseError) else ""
    try:
        body = loader.get_template(template_name).render({"message": message})
    except Exception:  # the page must answer even when templates are what failed
        body = "<!doctype html><title>Recaudo</title><h1>Error (500)</h1>"
    return HttpResponseServerError(body)
