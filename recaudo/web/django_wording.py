"""Django's own form messages in the project's words. Django's es_CO catalog says "fichero" (Spain's word) where
Colombia says "archivo", on every file upload of the app ("El fichero enviado está vacío."); these msgids are
Django's, marked here so the web app's es_CO catalog, which Django consults before its own, carries the es-CO
wording. Nothing imports this module: it exists for the message extraction and the translations test."""

from django.utils.translation import gettext_noop

DJANGO_FILE_MESSAGES = (
    gettext_noop("No file was submitted. Check the encoding type on the form."),
    gettext_noop("No file was submitted."),
    gettext_noop("The submitted file is empty."),
    gettext_noop("Please either submit a file or check the clear checkbox, not both."),
    gettext_noop("Upload a valid image. The file you uploaded was either not an image or a corrupted image."),
)
