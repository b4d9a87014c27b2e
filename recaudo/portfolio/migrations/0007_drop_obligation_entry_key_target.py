from django.db import migrations

from recaudo.ledger.append_only import SQLITE_OBLIGATION_KEY

# The unique (id, debtor, portfolio) was the target of the entries' composite foreign key (ledger migration 0006).
# Since ledger migration 0008 PostgreSQL checks that key with a trigger, as SQLite always did, and both look an
# obligation up by its primary key: the index only cost every new obligation an insert (docs/decisions/0006).
# SQLite rebuilds the table to drop an inline constraint, and refuses to while the entries' trigger names it.


def drop_sqlite_entry_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS ledger_entry_obligation_key")


def create_sqlite_entry_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_OBLIGATION_KEY)


class Migration(migrations.Migration):

    dependencies = [
        ('portfolio', '0006_drop_obligation_status_due_index'),
        ('ledger', '0009_foreign_keys_per_statement'),
    ]

    operations = [
        migrations.RunPython(drop_sqlite_entry_trigger, create_sqlite_entry_trigger),
        migrations.RemoveConstraint(
            model_name='obligation',
            name='obligation_id_debtor_portfolio',
        ),
        migrations.RunPython(create_sqlite_entry_trigger, drop_sqlite_entry_trigger),
    ]
