from django.db import migrations

from recaudo.ledger.triggers import check_key_per_row, check_key_per_statement


class Migration(migrations.Migration):
    """PostgreSQL: the entries' obligation key is checked once per INSERT statement (no row locks), and
    obligations are never deleted nor re-keyed (recaudo.ledger.triggers). Nothing changes on SQLite."""

    dependencies = [
        ('ledger', '0007_partial_payment_reverses_indexes'),
    ]

    operations = [
        migrations.RunPython(check_key_per_statement, check_key_per_row),
    ]
