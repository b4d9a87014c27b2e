from django.db import migrations

# PostgreSQL: the creation and update times of the bulk-loaded tables default to the transaction's start, so that the
# initial-load path (recaudo.imports.fastload) leaves them out of its COPY: parsing a timestamp costs the server
# about 0.7 µs, and a million-row import carried 3.9 million of them, all the same (docs/decisions/0006). Django
# always writes these columns itself, so nothing else changes. recaudo/imports/tests/test_fastload.py checks they
# are there.
COLUMNS = [("portfolio_debtor", "created_at"), ("portfolio_debtor", "updated_at"), ("portfolio_contact", "created_at"),
           ("portfolio_obligation", "created_at"), ("portfolio_obligation", "updated_at"),
           ("ledger_entry", "created_at")]


def set_defaults(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table, column in COLUMNS:
            schema_editor.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET DEFAULT transaction_timestamp()")


def drop_defaults(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table, column in COLUMNS:
            schema_editor.execute(f"ALTER TABLE {table} ALTER COLUMN {column} DROP DEFAULT")


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0011_checks_without_in_lists'),
        ('portfolio', '0008_checks_without_in_lists'),
    ]

    operations = [
        migrations.RunPython(set_defaults, drop_defaults),
    ]
