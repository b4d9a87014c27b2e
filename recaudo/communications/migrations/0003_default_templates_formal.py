"""The default templates (portfolio = NULL), second version (issue 14 §8): Spanish addresses the debtor as "usted";
a company is "Señores <its name>" (`debtor.company`; `debtor.first_name` is a company's whole name); the link to the
debtor portal appears only when the portal is on (`{% if portal_link %}`: empty while it is off); the Spanish SMS
texts fit one GSM-7 segment (under 160 characters, no á/í/ó/ú: one such letter makes the whole SMS UCS-2, 70
characters a segment). Only defaults still at their first version (never edited) change; a portfolio's own
templates are its own and stay as they are."""

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
SENORES = "{% if debtor.company %}Señores{% else %}Señor(a){% endif %}"

# (code, channel, language): (subject, body)
TEMPLATES = {
    # ---------------------------------------------------------------- friendly reminder
    ("reminder", "email", "es"): (
        "Recordatorio de pago - {{ portfolio.creditor }}",
        "<p>" + SENORES + " {{ debtor.name }}:</p>\n"
        "<p>Le recordamos que tiene {{ obligation_count }} obligaci{{ obligation_count|pluralize:\"ón,ones\" }} "
        "pendiente{{ obligation_count|pluralize }} con {{ portfolio.creditor }} por un total de "
        "<strong>{{ total_overdue|money:currency }}</strong>.</p>\n" + EMAIL_LIST_ES + "\n"
        "<p>Referencia de pago: <strong>{{ payment_reference }}</strong>.{% if portal_link %} Puede pagar o acordar "
        "un plan en <a href=\"{{ portal_link }}\">{{ portal_link }}</a>.{% endif %}</p>\n"
        "<p>Si ya realizó el pago, por favor haga caso omiso de este mensaje.</p>"),
    ("reminder", "email", "en"): (
        "Payment reminder - {{ portfolio.creditor }}",
        "<p>Dear {{ debtor.name }},</p>\n"
        "<p>This is a friendly reminder that you have {{ obligation_count }} outstanding "
        "obligation{{ obligation_count|pluralize }} with {{ portfolio.creditor }} totalling "
        "<strong>{{ total_overdue|money:currency }}</strong>.</p>\n" + EMAIL_LIST_EN + "\n"
        "<p>Payment reference: <strong>{{ payment_reference }}</strong>.{% if portal_link %} Pay or set up a plan at "
        "<a href=\"{{ portal_link }}\">{{ portal_link }}</a>.{% endif %}</p>\n"
        "<p>If you have already paid, please disregard this message.</p>"),
    ("reminder", "sms", "es"): (
        "",
        "{{ portfolio.creditor }}: {{ debtor.first_name }}, le recordamos su saldo vencido de "
        "{{ total_overdue|money:currency }}. Ref. de pago {{ payment_reference }}."
        "{% if portal_link %} Pague en {{ portal_link }}{% endif %}"),
    ("reminder", "sms", "en"): (
        "",
        "{{ portfolio.creditor }}: {{ debtor.first_name }}, a reminder of your overdue balance of "
        "{{ total_overdue|money:currency }}. Payment ref. {{ payment_reference }}."
        "{% if portal_link %} Pay at {{ portal_link }}{% endif %}"),
    ("reminder", "whatsapp", "es"): (
        "",
        "{{ debtor.name }}, le recordamos su saldo vencido de {{ total_overdue|money:currency }} con "
        "{{ portfolio.creditor }} (referencia de pago: {{ payment_reference }})."),
    # ---------------------------------------------------------------- overdue notice
    ("overdue_notice", "email", "es"): (
        "Aviso de mora: {{ total_overdue|money:currency }} - {{ portfolio.creditor }}",
        "<p>" + SENORES + " {{ debtor.name }}:</p>\n"
        "<p>A la fecha ({{ today|date }}) presenta un saldo en mora de <strong>{{ total_overdue|money:currency }}"
        "</strong> con {{ portfolio.creditor }}, con {{ max_days_past_due }} días de mora en la obligación más "
        "antigua:</p>\n" + EMAIL_LIST_ES + "\n"
        "<p>Le solicitamos ponerse al día usando la referencia de pago <strong>{{ payment_reference }}</strong> o "
        "comunicarse con nosotros para acordar un plan de pagos{% if portal_link %}: "
        "<a href=\"{{ portal_link }}\">{{ portal_link }}</a>{% endif %}.</p>"),
    ("overdue_notice", "email", "en"): (
        "Overdue notice: {{ total_overdue|money:currency }} - {{ portfolio.creditor }}",
        "<p>Dear {{ debtor.name }},</p>\n"
        "<p>As of {{ today|date }} you have an overdue balance of <strong>{{ total_overdue|money:currency }}</strong> "
        "with {{ portfolio.creditor }}, {{ max_days_past_due }} days past due on the oldest obligation:</p>\n"
        + EMAIL_LIST_EN + "\n"
        "<p>Please bring your account up to date using payment reference <strong>{{ payment_reference }}</strong>, or "
        "contact us to agree on a payment plan{% if portal_link %}: "
        "<a href=\"{{ portal_link }}\">{{ portal_link }}</a>{% endif %}.</p>"),
    ("overdue_notice", "sms", "es"): (
        "",
        "{{ portfolio.creditor }}: {{ debtor.first_name }}, su saldo en mora es de "
        "{{ total_overdue|money:currency }}, vencido desde el {{ oldest_due_date|date }}. "
        "Ref. de pago {{ payment_reference }}.{% if portal_link %} {{ portal_link }}{% endif %}"),
    ("overdue_notice", "sms", "en"): (
        "",
        "{{ portfolio.creditor }}: {{ debtor.first_name }}, your account is {{ max_days_past_due }} days past due, "
        "balance {{ total_overdue|money:currency }}. Ref. {{ payment_reference }}."
        "{% if portal_link %} {{ portal_link }}{% endif %}"),
    ("overdue_notice", "letter", "es"): (
        "Aviso de mora",
        "{{ today|date:\"long\" }}\n\n" + SENORES + " {{ debtor.name }}:\n\nA la fecha presenta un saldo en mora de "
        "{{ total_overdue|money:currency }} con {{ portfolio.creditor }}:\n\n" + LETTER_LIST_ES +
        "\nLe solicitamos ponerse al día usando la referencia de pago {{ payment_reference }}.\n\nAtentamente,\n\n"
        "{{ portfolio.creditor }}"),
    # ---------------------------------------------------------------- pre-legal
    ("prelegal", "letter", "es"): (
        "Cobro prejurídico",
        "{{ today|date:\"long\" }}\n\n" + SENORES + " {{ debtor.name }}\nIdentificación: {{ debtor.id_number }}\n\n"
        "Asunto: cobro prejurídico\n\nPor medio de la presente le informamos que su obligación con "
        "{{ portfolio.creditor }} presenta un saldo en mora de {{ total_overdue|money:currency }}:\n\n"
        + LETTER_LIST_ES +
        "\nDe no recibir el pago o un acuerdo de pago dentro de los próximos diez (10) días hábiles, la obligación "
        "podrá ser trasladada a cobro jurídico, con los costos que la ley permite. Referencia de pago: "
        "{{ payment_reference }}.\n\nAtentamente,\n\n{{ portfolio.creditor }}"),
    ("prelegal", "email", "es"): (
        "Cobro prejurídico - {{ portfolio.creditor }}",
        "<p>" + SENORES + " {{ debtor.name }}:</p>\n<p>Su obligación con {{ portfolio.creditor }} presenta un saldo en "
        "mora de <strong>{{ total_overdue|money:currency }}</strong>:</p>\n" + EMAIL_LIST_ES + "\n"
        "<p>De no recibir el pago o un acuerdo dentro de diez (10) días hábiles, la obligación podrá pasar a cobro "
        "jurídico. Referencia de pago: <strong>{{ payment_reference }}</strong>."
        "{% if portal_link %} <a href=\"{{ portal_link }}\">{{ portal_link }}</a>{% endif %}</p>"),
    ("prelegal", "email", "en"): (
        "Pre-legal collection notice - {{ portfolio.creditor }}",
        "<p>Dear {{ debtor.name }},</p>\n<p>Your account with {{ portfolio.creditor }} has an overdue balance of "
        "<strong>{{ total_overdue|money:currency }}</strong>:</p>\n" + EMAIL_LIST_EN + "\n"
        "<p>Unless we receive payment or an agreement within ten (10) business days, the debt may be referred for "
        "legal collection. Payment reference: <strong>{{ payment_reference }}</strong>."
        "{% if portal_link %} <a href=\"{{ portal_link }}\">{{ portal_link }}</a>{% endif %}</p>"),
}


def update_defaults(apps, schema_editor):
    Template = apps.get_model("communications", "Template")
    for (code, channel, language), (subject, body) in TEMPLATES.items():
        Template.objects.filter(portfolio=None, code=code, channel=channel, language=language, version=1).update(
            subject=subject, body=body, version=2)


class Migration(migrations.Migration):
    dependencies = [("communications", "0002_alter_message_options_alter_template_options_and_more")]

    operations = [migrations.RunPython(update_defaults, migrations.RunPython.noop)]
