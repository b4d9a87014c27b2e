"""The default templates (portfolio = NULL) carry the debtor's open payment link (`{{ payment_link }}`, issue 15 §4)
when there is one: a "Pague en línea" line in the e-mails, "Pague en <link>" at the end of the SMS. The variable is
empty while the portfolio has no active gateway or the debtor no open link, and the line is inside
`{% if payment_link %}`, so nothing changes for them. Only defaults still as shipped (the text of 0003/0004, never
edited) change, to their next version; a portfolio's own templates stay as they are. The Spanish SMS line has no
accented letter (GSM-7)."""

import importlib

from django.db import migrations

EMAIL_ES = ('\n{% if payment_link %}<p>Pague en línea: <a href="{{ payment_link }}">{{ payment_link }}</a></p>'
            '{% endif %}')
EMAIL_EN = '\n{% if payment_link %}<p>Pay online: <a href="{{ payment_link }}">{{ payment_link }}</a></p>{% endif %}'
SMS_ES = "{% if payment_link %} Pague en {{ payment_link }}{% endif %}"
SMS_EN = "{% if payment_link %} Pay at {{ payment_link }}{% endif %}"

# (code, channel, language): the line appended
LINES = {
    ("reminder", "email", "es"): EMAIL_ES,
    ("reminder", "email", "en"): EMAIL_EN,
    ("overdue_notice", "email", "es"): EMAIL_ES,
    ("overdue_notice", "email", "en"): EMAIL_EN,
    ("prelegal", "email", "es"): EMAIL_ES,
    ("prelegal", "email", "en"): EMAIL_EN,
    ("statement", "email", "es"): EMAIL_ES,
    ("statement", "email", "en"): EMAIL_EN,
    ("reminder", "sms", "es"): SMS_ES,
    ("reminder", "sms", "en"): SMS_EN,
}


def _shipped() -> dict:
    """The shipped text of each default: (code, channel, language) -> (version, body)."""
    formal = importlib.import_module("recaudo.communications.migrations.0003_default_templates_formal")
    statement = importlib.import_module("recaudo.communications.migrations.0004_statement_template")
    shipped = {key: (2, body) for key, (_subject, body) in formal.TEMPLATES.items()}
    for code, _name, channel, language, _subject, body in statement.TEMPLATES:
        shipped[(code, channel, language)] = (1, body)
    return shipped


def add_payment_link(apps, schema_editor):
    Template = apps.get_model("communications", "Template")
    shipped = _shipped()
    for (code, channel, language), line in LINES.items():
        version, body = shipped[(code, channel, language)]
        Template.objects.filter(portfolio=None, code=code, channel=channel, language=language, version=version,
                                body=body).update(body=body + line, version=version + 1)


def remove_payment_link(apps, schema_editor):
    Template = apps.get_model("communications", "Template")
    shipped = _shipped()
    for (code, channel, language), line in LINES.items():
        version, body = shipped[(code, channel, language)]
        Template.objects.filter(portfolio=None, code=code, channel=channel, language=language,
                                version=version + 1, body=body + line).update(body=body, version=version)


class Migration(migrations.Migration):
    dependencies = [("communications", "0004_statement_template")]

    operations = [migrations.RunPython(add_payment_link, remove_payment_link)]
