"""The default templates (portfolio = NULL) of the SMS and WhatsApp self-service answers (issue 16 §4): what a debtor
gets after writing SALDO (reply_balance), PAGAR (reply_pay), ACUERDO (reply_plan) or AYUDA (reply_help), in Spanish
("usted") and English. The link to the portal appears only while the portal is on (`{% if portal_link %}`), the
payment link only when there is one (`{% if payment_link %}`, else the payment reference and the convenio's bank
details, `bank`). A WhatsApp answer goes as session text inside the 24 hours after the debtor's message; the
`recaudo_respuesta_*` names are the approved templates it would need outside that window. The Spanish SMS texts
carry no á/í/ó/ú (GSM-7)."""

from django.db import migrations

PORTAL_ES = "{% if portal_link %} Consulte y pague en {{ portal_link }}{% endif %}"
PORTAL_EN = "{% if portal_link %} View and pay at {{ portal_link }}{% endif %}"
BANK_ES = ("{% if bank.name %} en {{ bank.name }}{% if bank.account %}, cuenta {{ bank.account_type }} "
           "{{ bank.account }}{% endif %}{% if bank.service_code %}, convenio {{ bank.service_code }}{% endif %}"
           "{% endif %}")
BANK_EN = ("{% if bank.name %} at {{ bank.name }}{% if bank.account %}, account {{ bank.account_type }} "
           "{{ bank.account }}{% endif %}{% if bank.service_code %}, agreement {{ bank.service_code }}{% endif %}"
           "{% endif %}")
PAY_ES = ("{{ portfolio.creditor }}: {{ debtor.first_name }}, "
          "{% if payment_link %}pague {{ total_balance|money:currency }} en {{ payment_link }}"
          "{% else %}pague {{ total_balance|money:currency }} con la referencia {{ payment_reference }}" + BANK_ES +
          "{% endif %}.")
PAY_EN = ("{{ portfolio.creditor }}: {{ debtor.first_name }}, "
          "{% if payment_link %}pay {{ total_balance|money:currency }} at {{ payment_link }}"
          "{% else %}pay {{ total_balance|money:currency }} with reference {{ payment_reference }}" + BANK_EN +
          "{% endif %}.")
BALANCE_ES = ("{{ portfolio.creditor }}: {{ debtor.first_name }}, su saldo es {{ total_balance|money:currency }}"
              "{% if total_overdue %}, vencido {{ total_overdue|money:currency }}{% endif %}. "
              "Ref. de pago {{ payment_reference }}." + PORTAL_ES + " Escriba PAGAR, ACUERDO o AYUDA.")
BALANCE_EN = ("{{ portfolio.creditor }}: {{ debtor.first_name }}, your balance is {{ total_balance|money:currency }}"
              "{% if total_overdue %}, overdue {{ total_overdue|money:currency }}{% endif %}. "
              "Payment ref. {{ payment_reference }}." + PORTAL_EN + " Reply PAY, PLAN or HELP.")
PLAN_ES = ("{{ portfolio.creditor }}: {{ debtor.first_name }}, "
           "{% if portal_link %}proponga un acuerdo de pago en {{ portal_link }}"
           "{% else %}un asesor le contactara para acordar un plan de pagos{% endif %}.")
PLAN_EN = ("{{ portfolio.creditor }}: {{ debtor.first_name }}, "
           "{% if portal_link %}propose a payment plan at {{ portal_link }}"
           "{% else %}an agent will contact you to agree on a payment plan{% endif %}.")
HELP_ES = ("{{ portfolio.creditor }}: escriba SALDO para conocer su saldo, PAGAR para pagar, ACUERDO para un plan "
           "de pagos o STOP para no recibir mas mensajes por este medio.")
HELP_EN = ("{{ portfolio.creditor }}: reply BALANCE for your balance, PAY to pay, PLAN for a payment plan or STOP "
           "to receive no more messages here.")

# code, name, language, body, WhatsApp template name, its parameters
TEMPLATES = [
    ("reply_balance", "Respuesta: saldo", "es", BALANCE_ES, "recaudo_respuesta_saldo",
     ["debtor.first_name", "total_balance|money:currency", "payment_reference"]),
    ("reply_balance", "Auto-reply SALDO/BALANCE", "en", BALANCE_EN, "recaudo_respuesta_saldo",
     ["debtor.first_name", "total_balance|money:currency", "payment_reference"]),
    ("reply_pay", "Respuesta: pagar", "es", PAY_ES, "recaudo_respuesta_pagar",
     ["debtor.first_name", "total_balance|money:currency", "payment_reference"]),
    ("reply_pay", "Auto-reply PAGAR/PAY", "en", PAY_EN, "recaudo_respuesta_pagar",
     ["debtor.first_name", "total_balance|money:currency", "payment_reference"]),
    ("reply_plan", "Respuesta: acuerdo", "es", PLAN_ES, "recaudo_respuesta_acuerdo", ["debtor.first_name"]),
    ("reply_plan", "Auto-reply ACUERDO/PLAN", "en", PLAN_EN, "recaudo_respuesta_acuerdo", ["debtor.first_name"]),
    ("reply_help", "Respuesta: ayuda", "es", HELP_ES, "recaudo_respuesta_ayuda", ["portfolio.creditor"]),
    ("reply_help", "Auto-reply AYUDA/HELP", "en", HELP_EN, "recaudo_respuesta_ayuda", ["portfolio.creditor"]),
]


def load_templates(apps, schema_editor):
    Template = apps.get_model("communications", "Template")
    for code, name, language, body, wa_name, wa_params in TEMPLATES:
        for channel in ("sms", "whatsapp"):
            Template.objects.get_or_create(
                portfolio=None, code=code, channel=channel, language=language,
                defaults={"name": name, "subject": "", "body": body,
                          "whatsapp_template_name": wa_name if channel == "whatsapp" else "",
                          "whatsapp_params": wa_params if channel == "whatsapp" else [], "active": True,
                          "version": 1})


def remove_templates(apps, schema_editor):
    Template = apps.get_model("communications", "Template")
    Template.objects.filter(portfolio=None, code__in=[t[0] for t in TEMPLATES], version=1).delete()


class Migration(migrations.Migration):
    dependencies = [("communications", "0007_inbound_message")]

    operations = [migrations.RunPython(load_templates, remove_templates)]
