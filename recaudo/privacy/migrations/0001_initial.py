"""Habeas data requests (consultations and claims, Ley 1581 de 2012 arts. 14-15) and the default message templates
that carry their notices to the debtor: the answer, the extension of the term and the request to complete a claim
(e-mail and SMS, Spanish and English; the context comes from privacy.services)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


EMAIL_HEAD_ES = "<p>Señor(a) {{ debtor.name }}:</p>\n"
EMAIL_HEAD_EN = "<p>Dear {{ debtor.name }},</p>\n"
TEMPLATES = [
    ("habeas_answer", "Respuesta habeas data", "email", "es",
     "Respuesta a su {{ request_kind }} {{ request_number }} - {{ portfolio.creditor }}",
     EMAIL_HEAD_ES + "<p>Damos respuesta a su {{ request_kind }} {{ request_number }}, radicada el "
     "{{ request_filed_on }}:</p>\n<p>{{ answer_text|linebreaksbr }}</p>\n<p>Si no está conforme puede acudir a la "
     "Superintendencia de Industria y Comercio (Ley 1581 de 2012, art. 16).</p>\n<p>{{ portfolio.creditor }}</p>"),
    ("habeas_answer", "Habeas data answer", "email", "en",
     "Answer to your {{ request_kind }} {{ request_number }} - {{ portfolio.creditor }}",
     EMAIL_HEAD_EN + "<p>This answers your {{ request_kind }} {{ request_number }}, filed on "
     "{{ request_filed_on }}:</p>\n<p>{{ answer_text|linebreaksbr }}</p>\n<p>If you disagree you may complain to "
     "the Superintendencia de Industria y Comercio (Ley 1581 de 2012, art. 16).</p>\n<p>{{ portfolio.creditor }}</p>"),
    ("habeas_answer", "Respuesta habeas data", "sms", "es", "",
     "{{ portfolio.creditor }}: respondimos su solicitud {{ request_number }}. {{ answer_text|truncatechars:300 }}"),
    ("habeas_answer", "Habeas data answer", "sms", "en", "",
     "{{ portfolio.creditor }}: we answered your request {{ request_number }}. {{ answer_text|truncatechars:300 }}"),
    ("habeas_extension", "Prórroga habeas data", "email", "es",
     "Su {{ request_kind }} {{ request_number }}: nueva fecha de respuesta",
     EMAIL_HEAD_ES + "<p>No nos es posible responder su {{ request_kind }} {{ request_number }} dentro del término "
     "inicial, por este motivo: {{ extension_reason }}</p>\n<p>Le responderemos a más tardar el "
     "<strong>{{ request_due_on }}</strong>.</p>\n<p>{{ portfolio.creditor }}</p>"),
    ("habeas_extension", "Habeas data extension", "email", "en",
     "Your {{ request_kind }} {{ request_number }}: new answer date",
     EMAIL_HEAD_EN + "<p>We cannot answer your {{ request_kind }} {{ request_number }} within the first term, for this "
     "reason: {{ extension_reason }}</p>\n<p>We will answer by <strong>{{ request_due_on }}</strong> at the latest."
     "</p>\n<p>{{ portfolio.creditor }}</p>"),
    ("habeas_extension", "Prórroga habeas data", "sms", "es", "",
     "{{ portfolio.creditor }}: su solicitud {{ request_number }} sera respondida a mas tardar el "
     "{{ request_due_on }}. Motivo: {{ extension_reason|truncatechars:200 }}"),
    ("habeas_extension", "Habeas data extension", "sms", "en", "",
     "{{ portfolio.creditor }}: we will answer your request {{ request_number }} by {{ request_due_on }}. "
     "Reason: {{ extension_reason|truncatechars:200 }}"),
    ("habeas_incomplete", "Reclamo incompleto", "email", "es",
     "Su reclamo {{ request_number }} está incompleto",
     EMAIL_HEAD_ES + "<p>Para tramitar su reclamo {{ request_number }} necesitamos: {{ missing_text }}</p>\n<p>Si en "
     "dos (2) meses no recibimos esta información entenderemos que desistió del reclamo (Ley 1581 de 2012, art. 15)."
     "</p>\n<p>{{ portfolio.creditor }}</p>"),
    ("habeas_incomplete", "Incomplete claim", "email", "en",
     "Your claim {{ request_number }} is incomplete",
     EMAIL_HEAD_EN + "<p>To handle your claim {{ request_number }} we need: {{ missing_text }}</p>\n<p>If we do not "
     "receive it within two (2) months, the claim counts as withdrawn (Ley 1581 de 2012, art. 15).</p>\n"
     "<p>{{ portfolio.creditor }}</p>"),
    ("habeas_incomplete", "Reclamo incompleto", "sms", "es", "",
     "{{ portfolio.creditor }}: para tramitar su reclamo {{ request_number }} necesitamos: "
     "{{ missing_text|truncatechars:200 }}"),
    ("habeas_incomplete", "Incomplete claim", "sms", "en", "",
     "{{ portfolio.creditor }}: to handle your claim {{ request_number }} we need: "
     "{{ missing_text|truncatechars:200 }}"),
]


def load_templates(apps, schema_editor):
    Template = apps.get_model("communications", "Template")
    for code, name, channel, language, subject, body in TEMPLATES:
        Template.objects.update_or_create(
            portfolio=None, code=code, channel=channel, language=language,
            defaults={"name": name, "subject": subject, "body": body, "whatsapp_template_name": "",
                      "whatsapp_params": [], "active": True, "version": 1})


def unload_templates(apps, schema_editor):
    Template = apps.get_model("communications", "Template")
    Template.objects.filter(portfolio=None, code__in=["habeas_answer", "habeas_extension", "habeas_incomplete"]
                            ).delete()


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('portfolio', '0008_debtor_habeas_claim_since'),
        ('communications', '0005_default_templates_payment_link'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='HabeasRequest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('consulta', 'Consultation'), ('reclamo', 'Claim')], max_length=10, verbose_name='kind')),
                ('channel', models.CharField(choices=[('portal', 'Debtor portal'), ('email', 'E-mail'), ('phone', 'Phone'), ('office', 'At the office')], max_length=10, verbose_name='channel')),
                ('text', models.TextField(max_length=5000, verbose_name='request')),
                ('filed_at', models.DateTimeField(verbose_name='filed at')),
                ('filed_by', models.CharField(help_text='actor label: a user or portal:debtor:<id>', max_length=150, verbose_name='filed by')),
                ('received_on', models.DateField(help_text='the business date the term counts from (a completed claim: the day it was completed)', verbose_name='received on')),
                ('status', models.CharField(choices=[('open', 'Open'), ('incomplete', 'Waiting for the requester to complete it'), ('answered', 'Answered'), ('closed', 'Closed')], default='open', max_length=10, verbose_name='status')),
                ('due_on', models.DateField(verbose_name='due on')),
                ('extended', models.BooleanField(default=False, verbose_name='extended')),
                ('extension_reason', models.TextField(blank=True, max_length=1000, verbose_name='reason for the extension')),
                ('extended_at', models.DateTimeField(blank=True, null=True)),
                ('completion_requested_on', models.DateField(blank=True, null=True)),
                ('completion_missing', models.TextField(blank=True, max_length=1000, verbose_name='what is missing')),
                ('answer', models.TextField(blank=True, max_length=10000, verbose_name='answer')),
                ('answered_at', models.DateTimeField(blank=True, null=True, verbose_name='answered at')),
                ('answered_by_label', models.CharField(blank=True, max_length=150)),
                ('answer_delivery', models.CharField(blank=True, max_length=500, verbose_name='how the answer reached the debtor')),
                ('closed_at', models.DateTimeField(blank=True, null=True)),
                ('close_reason', models.CharField(blank=True, choices=[('withdrawn', 'Withdrawn by the requester'), ('abandoned', 'Not completed within 2 months (counts as withdrawn)'), ('done', 'Answered and settled')], max_length=10)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('answered_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('attachment', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='portfolio.document')),
                ('debtor', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='habeas_requests', to='portfolio.debtor')),
                ('obligation', models.ForeignKey(blank=True, help_text='the obligation it is about, if one', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='habeas_requests', to='portfolio.obligation')),
                ('portfolio', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='habeas_requests', to='portfolio.portfolio')),
            ],
            options={
                'verbose_name': 'habeas data request',
                'verbose_name_plural': 'habeas data requests',
                'ordering': ['due_on', 'pk'],
                'indexes': [models.Index(fields=['portfolio', 'status', 'due_on'], name='privacy_hab_portfol_ba5b11_idx'), models.Index(fields=['debtor', 'status'], name='privacy_hab_debtor__c4f2a1_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(('kind', 'consulta'), ('kind', 'reclamo'), _connector='OR'), name='habeas_kind_valid'), models.CheckConstraint(condition=models.Q(('channel', 'portal'), ('channel', 'email'), ('channel', 'phone'), ('channel', 'office'), _connector='OR'), name='habeas_channel_valid'), models.CheckConstraint(condition=models.Q(('status', 'open'), ('status', 'incomplete'), ('status', 'answered'), ('status', 'closed'), _connector='OR'), name='habeas_status_valid'), models.CheckConstraint(condition=models.Q(('extended', False), models.Q(('extension_reason', ''), _negated=True), _connector='OR'), name='habeas_extension_has_reason'), models.CheckConstraint(condition=models.Q(models.Q(('status', 'answered'), _negated=True), ('answered_at__isnull', False), _connector='OR'), name='habeas_answered_has_time')],
            },
        ),
        migrations.RunPython(load_templates, unload_templates),
    ]
