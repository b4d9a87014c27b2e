from django.db import migrations, models

from recaudo.ledger.triggers import create_sqlite_obligation_key, drop_sqlite_obligation_key


class Migration(migrations.Migration):
    """Amounts bounded (docs/amounts.md): an obligation's amount at most 10^15 minor units, cached balances and
    credit at most 10^18 (recaudo.core.amounts). SQLite rebuilds the obligations only once the entries' trigger that
    names them is dropped."""

    dependencies = [
        ('portfolio', '0011_privacy_settings'),
        ('ledger', '0015_interest_adjustments'),
    ]

    operations = [
        migrations.RunPython(drop_sqlite_obligation_key, create_sqlite_obligation_key),
        migrations.AddConstraint(
            model_name='debtor',
            constraint=models.CheckConstraint(condition=models.Q(('balance_minor__lte', 1000000000000000000), ('credit_minor__gte', 0), ('credit_minor__lte', 1000000000000000000)), name='debtor_balance_bounded'),
        ),
        migrations.AddConstraint(
            model_name='obligation',
            constraint=models.CheckConstraint(condition=models.Q(('original_minor__lte', 1000000000000000)), name='obligation_amount_bounded'),
        ),
        migrations.AddConstraint(
            model_name='obligation',
            constraint=models.CheckConstraint(condition=models.Q(('balance_minor__lte', 1000000000000000000)), name='obligation_balance_bounded'),
        ),
        migrations.RunPython(create_sqlite_obligation_key, drop_sqlite_obligation_key),
    ]
