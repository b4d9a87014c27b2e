from django.db import migrations

from recaudo.ledger.triggers import create_sqlite_obligation_key, drop_sqlite_obligation_key

# The unique (id, debtor, portfolio) was the target of the entries' composite foreign key (ledger migration 0006).
# Since ledger migration 0008 PostgreSQL checks that key with a trigger, as SQLite always did, and both look an
# obligation up by its primary key: the index only cost every new obligation an insert (docs/decisions/0006).
# SQLite rebuilds the table to drop an inline constraint, and refuses to while the entries' trigger names it.


class Migration(migrations.Migration):

    dependencies = [
        ('portfolio', '0006_drop_obligation_status_due_index'),
        ('ledger', '0009_foreign_keys_per_statement'),
    ]

    operations = [
        migrations.RunPython(drop_sqlite_obligation_key, create_sqlite_obligation_key),
        migrations.RemoveConstraint(
            model_name='obligation',
            name='obligation_id_debtor_portfolio',
        ),
        migrations.RunPython(create_sqlite_obligation_key, drop_sqlite_obligation_key),
    ]
