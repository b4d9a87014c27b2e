"""Default message templates (portfolio = NULL) in Spanish and English: a friendly reminder, an overdue notice and
a pre-legal letter. Portfolios override them with their own versions from the templates page."""

from django.db import migrations

EMAIL_LIST_ES = """<table>
<tr><th>Obligación</th><th>Vencimiento</th><th>Días de mora</th><th>Saldo</th></tr>
{% for o in obligations %}<tr><td>{{ o.number }}</td><td>{{ o.due_date|date }}</td><td>{{ o.days_past_due }}</td><td>{{ o.balance|money:currency }}</td></tr>
{% endfor %}</table>"""
EMAIL_LIST_EN = """<table>
<tr><th>Obligation</th><th>Due date</th><th>Days past due</th><th>Balance</th></tr>
{% for o in obligations %}<tr><td>{{ o.number }}</td><td>{{ o.due_date|date }}</td><td>{{ o.days_past_due }}</td><td>{{ o.balance|money:currency }}</td></tr>
{% endfor %}</table>"""
LETTER_LIST_ES = """{% for o in obligations %}- {{ o.number }}: vencida el {{ o.due_date|date }} ({{ o.days_past_due }} días), saldo {{ o.balance|money:currency }}
{% endfor %}"""
LETTER_LIST_EN = """{% for o in obligations %}- {{ o.number }}: due {{ o.due_date|date }} ({{ o.days_past_due }} days), balance {{ o.balance|money:currency }}
{% endfor %}"""

TEMPLATES = [
    # ---------------------------------------------------------------- friendly reminder
    ("reminder", "Recordatorio amable", "email", "es",
     "Recordatorio de pago - {{ portfolio.creditor }}",
     "<p>Hola {{ debtor.name }}:</p>\n"
     "<p>Te recordamos que tienes {{ obligation_count }} obligación{{ obligation_count|pluralize:\"es\" }} "
     "pendiente{{ obligation_count|pluralize }} con {{ portfolio.creditor }} por un total de "
     "<strong>{{ total_overdue|money:currency }}</strong>.</p>\n" + EMAIL_LIST_ES + "\n"
     "<p>Referencia de pago: <strong>{{ payment_reference }}</strong>. Puedes pagar o acordar un plan en "
     "<a href=\"{{ portal_link }}\">{{ portal_link }}</a>.</p>\n"
     "<p>Si ya pagaste, por favor ignora este mensaje.</p>", "", []),
    ("reminder", "Friendly reminder", "email", "en",
     "Payment reminder - {{ portfolio.creditor }}",
     "<p>Hello {{ debtor.name }},</p>\n"
     "<p>This is a friendly reminder that you have {{ obligation_count }} outstanding "
     "obligation{{ obligation_count|pluralize }} with {{ portfolio.creditor }} totalling "
     "<strong>{{ total_overdue|money:currency }}</strong>.</p>\n" + EMAIL_LIST_EN + "\n"
     "<p>Payment reference: <strong>{{ payment_reference }}</strong>. Pay or set up a plan at "
     "<a href=\"{{ portal_link }}\">{{ portal_link }}</a>.</p>\n"
     "<p>If you have already paid, please disregard this message.</p>", "", []),
    ("reminder", "Recordatorio amable", "sms", "es", "",
     "{{ portfolio.creditor }}: {{ debtor.first_name }}, tienes un saldo vencido de {{ total_overdue|money:currency }}. "
     "Ref. {{ payment_reference }}. Paga en {{ portal_link }}", "", []),
    ("reminder", "Friendly reminder", "sms", "en", "",
     "{{ portfolio.creditor }}: {{ debtor.first_name }}, you have an overdue balance of "
     "{{ total_overdue|money:currency }}. Ref. {{ payment_reference }}. Pay at {{ portal_link }}", "", []),
    ("reminder", "Recordatorio amable", "whatsapp", "es", "",
     "Hola {{ debtor.name }}, te recordamos tu saldo vencido de {{ total_overdue|money:currency }} con "
     "{{ portfolio.creditor }} (referencia de pago: {{ payment_reference }}).",
     "recaudo_recordatorio", ["debtor.name", "total_overdue|money:currency", "portfolio.creditor",
                              "payment_reference"]),
    ("reminder", "Friendly reminder", "whatsapp", "en", "",
     "Hello {{ debtor.name }}, a reminder of your overdue balance of {{ total_overdue|money:currency }} with "
     "{{ portfolio.creditor }} (payment reference: {{ payment_reference }}).",
     "recaudo_reminder", ["debtor.name", "total_overdue|money:currency", "portfolio.creditor", "payment_reference"]),
    # ---------------------------------------------------------------- overdue notice
    ("overdue_notice", "Aviso de mora", "email", "es",
     "Aviso de mora: {{ total_overdue|money:currency }} - {{ portfolio.creditor }}",
     "<p>Señor(a) {{ debtor.name }}:</p>\n"
     "<p>A la fecha ({{ today|date }}) presenta un saldo en mora de <strong>{{ total_overdue|money:currency }}"
     "</strong> con {{ portfolio.creditor }}, con {{ max_days_past_due }} días de mora en la obligación más "
     "antigua:</p>\n" + EMAIL_LIST_ES + "\n"
     "<p>Le solicitamos ponerse al día usando la referencia de pago <strong>{{ payment_reference }}</strong> o "
     "comunicarse con nosotros para acordar un plan de pagos: <a href=\"{{ portal_link }}\">{{ portal_link }}</a>."
     "</p>", "", []),
    ("overdue_notice", "Overdue notice", "email", "en",
     "Overdue notice: {{ total_overdue|money:currency }} - {{ portfolio.creditor }}",
     "<p>Dear {{ debtor.name }},</p>\n"
     "<p>As of {{ today|date }} you have an overdue balance of <strong>{{ total_overdue|money:currency }}</strong> "
     "with {{ portfolio.creditor }}, {{ max_days_past_due }} days past due on the oldest obligation:</p>\n"
     + EMAIL_LIST_EN + "\n"
     "<p>Please bring your account up to date using payment reference <strong>{{ payment_reference }}</strong>, or "
     "contact us to agree on a payment plan: <a href=\"{{ portal_link }}\">{{ portal_link }}</a>.</p>", "", []),
    ("overdue_notice", "Aviso de mora", "sms", "es", "",
     "{{ portfolio.creditor }}: {{ debtor.first_name }}, su cuenta tiene {{ max_days_past_due }} días de mora, "
     "saldo {{ total_overdue|money:currency }}. Ref. {{ payment_reference }}. {{ portal_link }}", "", []),
    ("overdue_notice", "Overdue notice", "sms", "en", "",
     "{{ portfolio.creditor }}: {{ debtor.first_name }}, your account is {{ max_days_past_due }} days past due, "
     "balance {{ total_overdue|money:currency }}. Ref. {{ payment_reference }}. {{ portal_link }}", "", []),
    ("overdue_notice", "Aviso de mora", "whatsapp", "es", "",
     "{{ debtor.name }}, su cuenta con {{ portfolio.creditor }} tiene {{ max_days_past_due }} días de mora y un saldo "
     "de {{ total_overdue|money:currency }}. Referencia: {{ payment_reference }}.",
     "recaudo_aviso_mora", ["debtor.name", "portfolio.creditor", "max_days_past_due", "total_overdue|money:currency",
                            "payment_reference"]),
    ("overdue_notice", "Overdue notice", "whatsapp", "en", "",
     "{{ debtor.name }}, your account with {{ portfolio.creditor }} is {{ max_days_past_due }} days past due, "
     "balance {{ total_overdue|money:currency }}. Reference: {{ payment_reference }}.",
     "recaudo_overdue_notice", ["debtor.name", "portfolio.creditor", "max_days_past_due",
                                "total_overdue|money:currency", "payment_reference"]),
    ("overdue_notice", "Aviso de mora", "letter", "es", "Aviso de mora",
     "{{ today|date:\"long\" }}\n\nSeñor(a) {{ debtor.name }}:\n\nA la fecha presenta un saldo en mora de "
     "{{ total_overdue|money:currency }} con {{ portfolio.creditor }}:\n\n" + LETTER_LIST_ES +
     "\nLe solicitamos ponerse al día usando la referencia de pago {{ payment_reference }}.\n\nAtentamente,\n\n"
     "{{ portfolio.creditor }}", "", []),
    ("overdue_notice", "Overdue notice", "letter", "en", "Overdue notice",
     "{{ today|date:\"long\" }}\n\nDear {{ debtor.name }},\n\nAs of today you have an overdue balance of "
     "{{ total_overdue|money:currency }} with {{ portfolio.creditor }}:\n\n" + LETTER_LIST_EN +
     "\nPlease bring your account up to date using payment reference {{ payment_reference }}.\n\nSincerely,\n\n"
     "{{ portfolio.creditor }}", "", []),
    # ---------------------------------------------------------------- pre-legal letter
    ("prelegal", "Carta prejurídica", "letter", "es", "Cobro prejurídico",
     "{{ today|date:\"long\" }}\n\nSeñor(a) {{ debtor.name }}\nIdentificación: {{ debtor.id_number }}\n\n"
     "Asunto: cobro prejurídico\n\nPor medio de la presente le informamos que su obligación con "
     "{{ portfolio.creditor }} presenta un saldo en mora de {{ total_overdue|money:currency }}:\n\n"
     + LETTER_LIST_ES +
     "\nDe no recibir el pago o un acuerdo de pago dentro de los próximos diez (10) días hábiles, la obligación "
     "podrá ser trasladada a cobro jurídico, con los costos que la ley permite. Referencia de pago: "
     "{{ payment_reference }}.\n\nAtentamente,\n\n{{ portfolio.creditor }}", "", []),
    ("prelegal", "Pre-legal letter", "letter", "en", "Pre-legal collection notice",
     "{{ today|date:\"long\" }}\n\nDear {{ debtor.name }}\nID: {{ debtor.id_number }}\n\n"
     "Re: pre-legal collection notice\n\nWe hereby inform you that your account with {{ portfolio.creditor }} "
     "has an overdue balance of {{ total_overdue|money:currency }}:\n\n" + LETTER_LIST_EN +
     "\nUnless we receive payment or a payment agreement within the next ten (10) business days, the debt may be "
     "referred for legal collection, with the costs the law allows. Payment reference: {{ payment_reference }}."
     "\n\nSincerely,\n\n{{ portfolio.creditor }}", "", []),
    ("prelegal", "Aviso prejurídico", "email", "es", "Cobro prejurídico - {{ portfolio.creditor }}",
     "<p>Señor(a) {{ debtor.name }}:</p>\n<p>Su obligación con {{ portfolio.creditor }} presenta un saldo en mora de "
     "<strong>{{ total_overdue|money:currency }}</strong>:</p>\n" + EMAIL_LIST_ES + "\n"
     "<p>De no recibir el pago o un acuerdo dentro de diez (10) días hábiles, la obligación podrá pasar a cobro "
     "jurídico. Referencia de pago: <strong>{{ payment_reference }}</strong>. "
     "<a href=\"{{ portal_link }}\">{{ portal_link }}</a></p>", "", []),
    ("prelegal", "Pre-legal notice", "email", "en", "Pre-legal collection notice - {{ portfolio.creditor }}",
     "<p>Dear {{ debtor.name }},</p>\n<p>Your account with {{ portfolio.creditor }} has an overdue balance of "
     "<strong>{{ total_overdue|money:currency }}</strong>:</p>\n" + EMAIL_LIST_EN + "\n"
     "<p>Unless we receive payment or an agreement within ten (10) business days, the debt may be referred for "
     "legal collection. Payment reference: <strong>{{ payment_reference }}</strong>. "
     "<a href=\"{{ portal_link }}\">{{ portal_link }}</a></p>", "", []),
]


def load(apps, schema_editor):
    Template = apps.get_model("communications", "Template")
    for code, name, channel, language, subject, body, wa_name, wa_params in TEMPLATES:
        Template.objects.update_or_create(
            portfolio=None, code=code, channel=channel, language=language,
            defaults={"name": name, "subject": subject, "body": body, "whatsapp_template_name": wa_name,
                      "whatsapp_params": wa_params, "active": True, "version": 1},
        )


def unload(apps, schema_editor):
    Template = apps.get_model("communications", "Template")
    Template.objects.filter(portfolio=None, code__in={t[0] for t in TEMPLATES}).delete()


class Migration(migrations.Migration):
    dependencies = [("communications", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
