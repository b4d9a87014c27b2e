# Default "statement" e-mail templates (portfolio = NULL), Spanish and English: the message that carries the
# statement of account sent from the debtor page ("Enviar estado de cuenta ahora"; the PDF is attached at send time).

from django.db import migrations

TEMPLATES = [
    ("statement", "Estado de cuenta", "email", "es",
     "Estado de cuenta - {{ portfolio.creditor }}",
     "<p>{% if debtor.company %}Señores{% else %}Señor(a){% endif %} {{ debtor.name }}:</p>\n"
     "<p>Adjuntamos su estado de cuenta con {{ portfolio.creditor }} al {{ today|date }}. El saldo total es "
     "<strong>{{ total_balance|money:currency }}</strong>, de los cuales "
     "<strong>{{ total_overdue|money:currency }}</strong> están vencidos.</p>\n"
     "<p>Referencia de pago: <strong>{{ payment_reference }}</strong>.</p>\n"
     "<p>Si tiene alguna pregunta sobre este estado de cuenta, responda a este mensaje.</p>"),
    ("statement", "Statement of account", "email", "en",
     "Statement of account - {{ portfolio.creditor }}",
     "<p>Dear {{ debtor.name }},</p>\n"
     "<p>Please find attached your statement of account with {{ portfolio.creditor }} as of {{ today|date }}. "
     "The total balance is <strong>{{ total_balance|money:currency }}</strong>, of which "
     "<strong>{{ total_overdue|money:currency }}</strong> is overdue.</p>\n"
     "<p>Payment reference: <strong>{{ payment_reference }}</strong>.</p>\n"
     "<p>If you have any question about this statement, reply to this message.</p>"),
]


def load_templates(apps, schema_editor):
    Template = apps.get_model("communications", "Template")
    for code, name, channel, language, subject, body in TEMPLATES:
        Template.objects.get_or_create(
            portfolio=None, code=code, channel=channel, language=language,
            defaults={"name": name, "subject": subject, "body": body, "whatsapp_template_name": "",
                      "whatsapp_params": [], "active": True, "version": 1},
        )


class Migration(migrations.Migration):

    dependencies = [
        ("communications", "0003_default_templates_formal"),
    ]

    operations = [
        migrations.RunPython(load_templates, migrations.RunPython.noop),
    ]
