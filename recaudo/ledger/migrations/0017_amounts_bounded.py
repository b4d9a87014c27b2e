from django.conf import settings
from django.db import migrations, models

from recaudo.ledger.triggers import add_tally_volume, drop_tally_volume, recreate_triggers


class Migration(migrations.Migration):
    """Amounts bounded (docs/amounts.md): an entry, a payment and an interest posting at most 10^15 minor units
    (recaudo.core.amounts.MAX_MINOR); on SQLite, a portfolio's ledger volume (entries and payments) at most 10^18,
    kept by the tally, so no sum over a portfolio overflows SQLite's 64-bit SUM(). SQLite rebuilds ledger_entry and
    ledger_payment, which drops the entries' triggers: recreate_triggers puts them back before the volume's."""

    dependencies = [
        ('ledger', '0016_legalrate'),
        ('portfolio', '0012_amounts_bounded'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, recreate_triggers),  # after the reverse's rebuilds
        migrations.AddConstraint(
            model_name='entry',
            constraint=models.CheckConstraint(condition=models.Q(('amount_minor__gte', -1000000000000000), ('amount_minor__lte', 1000000000000000)), name='entry_amount_bounded'),
        ),
        migrations.AddConstraint(
            model_name='interestaccrual',
            constraint=models.CheckConstraint(condition=models.Q(('amount_minor__gte', -1000000000000000), ('amount_minor__lte', 1000000000000000), ('principal_minor__gte', -1000000000000000000), ('principal_minor__lte', 1000000000000000000)), name='interest_accrual_amount_bounded'),
        ),
        migrations.AddConstraint(
            model_name='payment',
            constraint=models.CheckConstraint(condition=models.Q(('amount_minor__lte', 1000000000000000)), name='payment_amount_bounded'),
        ),
        migrations.RunPython(recreate_triggers, migrations.RunPython.noop),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name='tally',
                    name='volume',
                    field=models.BigIntegerField(db_default=0),
                ),
                migrations.AddConstraint(
                    model_name='tally',
                    constraint=models.CheckConstraint(condition=models.Q(('volume__gte', 0), ('volume__lte', 1000000000000000000)), name='ledger_tally_volume_bounded'),
                ),
            ],
            database_operations=[migrations.RunPython(add_tally_volume, drop_tally_volume)],
        ),
    ]
