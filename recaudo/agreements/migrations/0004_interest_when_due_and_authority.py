"""Issue 11: an agreement's installment interest is charged when the installment falls due (the link to its entry
makes that posting happen once), authority limits say whether a role may grant an interest-bearing plan, and an
offer records the payment that earned its lump-sum discount (reversing that payment takes the discount back).

Existing data: agreements accepted before this version had all their interest charged on acceptance; each of
those interest entries is linked to its installment, so it is never charged again. Existing authority rows keep
what they allowed (interest-bearing plans were not checked): supervisor and admin rows may grant them; agent and
viewer rows get the safe default (a supervisor decides).
"""

import django.db.models.deletion
from django.db import migrations, models


def link_booked_interest(apps, schema_editor):
    Installment = apps.get_model("agreements", "AgreementInstallment")
    Entry = apps.get_model("ledger", "Entry")
    for inst in Installment.objects.filter(obligation__isnull=False, interest_minor__gt=0, interest_entry__isnull=True):
        entry = (Entry.objects.filter(obligation_id=inst.obligation_id, kind="interest", memo__contains=" interés de la ")
                 .order_by("id").first())
        if entry is not None:
            inst.interest_entry = entry
            inst.save(update_fields=["interest_entry"])


def keep_configured_authority(apps, schema_editor):
    apps.get_model("agreements", "AuthorityLimit").objects.filter(role__in=["supervisor", "admin"]).update(
        interest_plans=True)


class Migration(migrations.Migration):

    dependencies = [
        ('agreements', '0003_promises_agreements_offers'),
        ('ledger', '0013_key_checks_probe_parents'),
    ]

    operations = [
        migrations.AddField(
            model_name='agreementinstallment',
            name='interest_entry',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='ledger.entry'),
        ),
        migrations.AddField(
            model_name='authoritylimit',
            name='interest_plans',
            field=models.BooleanField(default=False, help_text='off: a plan that charges interest waits for someone whose role may grant it', verbose_name='may grant interest-bearing plans'),
        ),
        migrations.AddField(
            model_name='offer',
            name='earned_by',
            field=models.ForeignKey(blank=True, help_text='the payment that earned a lump-sum discount (booked then)', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='ledger.payment'),
        ),
        migrations.RunPython(link_booked_interest, migrations.RunPython.noop),
        migrations.RunPython(keep_configured_authority, migrations.RunPython.noop),
    ]
