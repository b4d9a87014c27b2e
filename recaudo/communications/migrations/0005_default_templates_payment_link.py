"""The default templates (portfolio = NULL) carry the debtor's open payment link (`{{ payment_link }}`, issue 15 §4)
when there is one: a "Pague en línea" line in the e-mails, "Pague en <link>" at the end of the SMS. The variable is
empty while the portfolio has no active gateway or the debtor no open link, and the line is inside
`{% if payment_link %}`, so nothing changes for them. Only defaults still at the version 0003/0004 shipped (never
edited: an edit is a new version) change, to their next version; a portfolio's own templates stay as they are.
The Spanish SMS line has no accented letter (GSM-7)."""

from django.db import migrations

EMAIL_ES = ('\n{% if payment_link %}<p>Pague en línea: <a href="{{ payment_link }}">{{ payment_link }}</a></p>'
            '{% endif %}')
EMAIL_EN = '\n{% if payment_link %}<p>Pay online: <a href="{{ payment_link }}">{{ payment_link }}</a></p>{% endif %}'
SMS_ES = "{% if payment_link %} Pague en {{ payment_link }}{% endif %}"
SMS_EN = "{% if payment_link %} Pay at {{ payment_link }}{% endif %}"

# (code, channel, language): (the version it was shipped at by 0003 or 0004, the line appended)
LINES = {
    ("reminder", "email", "es"): (2, EMAIL_ES),
    ("reminder", "email", "en"): (2, EMAIL_EN),
    ("overdue_notice", "email", "es"): (2, EMAIL_ES),
    ("overdue_notice", "email", "en"): (2, EMAIL_EN),
    ("prelegal", "email", "es"): (2, EMAIL_ES),
    ("prelegal", "email", "en"): (2, EMAIL_EN),
    ("statement", "email", "es"): (1, EMAIL_ES),
    ("statement", "email", "en"): (1, EMAIL_EN),
    ("reminder", "sms", "es"): (2, SMS_ES),
    ("reminder", "sms", "en"): (2, SMS_EN),
}


def add_payment_link(apps, schema_editor):
    Template = apps.get_model("communications", "Template")
    for (code, channel, language), (version, line) in LINES.items():
        for template in Template.objects.filter(portfolio=None, code=code, channel=channel, language=language,
                                                version=version).exclude(body__contains="payment_link"):
            template.body += line
            template.version = version + 1
            template.save(update_fields=["body", "version"])


def remove_payment_link(apps, schema_editor):
    Template = apps.get_model("communications", "Template")
    for (code, channel, language), (version, line) in LINES.items():
        for template in Template.objects.filter(portfolio=None, code=code, channel=channel, language=language,
                                                version=version + 1, body__endswith=line):
            template.body = template.body[:-len(line)]
            template.version = version
            template.save(update_fields=["body", "version"])


class Migration(migrations.Migration):
    dependencies = [("communications", "0004_statement_template")]

    operations = [migrations.RunPython(add_payment_link, remove_payment_link)]
