# Default "portal_code" templates (portfolio = NULL), Spanish and English, for e-mail, SMS and WhatsApp: the
# one-time code a debtor asks for to enter the debtor portal (issue 16). The code and its minutes come in the
# message's context. The Spanish SMS has no accented letter (GSM-7).

from django.db import migrations

TEMPLATES = [
    ("portal_code", "Código del portal", "email", "es", "Su código de acceso - {{ portfolio.creditor }}",
     "<p>Su código para entrar al portal de pagos de {{ portfolio.creditor }} es:</p>\n"
     "<p><strong>{{ code }}</strong></p>\n"
     "<p>Vence en {{ minutes }} minutos. No lo comparta con nadie: {{ portfolio.creditor }} nunca se lo pedirá. "
     "Si usted no lo pidió, ignore este mensaje.</p>", "", []),
    ("portal_code", "Portal code", "email", "en", "Your access code - {{ portfolio.creditor }}",
     "<p>Your code to enter the {{ portfolio.creditor }} payment portal is:</p>\n"
     "<p><strong>{{ code }}</strong></p>\n"
     "<p>It expires in {{ minutes }} minutes. Do not share it: {{ portfolio.creditor }} will never ask for it. "
     "If you did not ask for it, ignore this message.</p>", "", []),
    ("portal_code", "Código del portal", "sms", "es", "",
     "{{ code }} es su codigo del portal de {{ portfolio.creditor }}, vence en {{ minutes }} min. No lo comparta.",
     "", []),
    ("portal_code", "Portal code", "sms", "en", "",
     "{{ code }} is your portal code for {{ portfolio.creditor }}, valid {{ minutes }} min. Do not share it.",
     "", []),
    ("portal_code", "Código del portal", "whatsapp", "es", "",
     "{{ code }} es su código del portal de {{ portfolio.creditor }}, vence en {{ minutes }} minutos. No lo "
     "comparta.", "portal_code", ["code", "minutes"]),
    ("portal_code", "Portal code", "whatsapp", "en", "",
     "{{ code }} is your portal code for {{ portfolio.creditor }}, valid {{ minutes }} minutes. Do not share "
     "it.", "portal_code", ["code", "minutes"]),
]


def load_templates(apps, schema_editor):
    Template = apps.get_model("communications", "Template")
    for code, name, channel, language, subject, body, wa_name, wa_params in TEMPLATES:
        Template.objects.get_or_create(
            portfolio=None, code=code, channel=channel, language=language,
            defaults={"name": name, "subject": subject, "body": body, "whatsapp_template_name": wa_name,
                      "whatsapp_params": wa_params, "active": True, "version": 1},
        )


def unload_templates(apps, schema_editor):
    Template = apps.get_model("communications", "Template")
    Template.objects.filter(portfolio=None, code="portal_code").delete()


class Migration(migrations.Migration):

    dependencies = [
        ("communications", "0005_default_templates_payment_link"),
    ]

    operations = [migrations.RunPython(load_templates, unload_templates)]
