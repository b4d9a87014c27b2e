from django.db import migrations, models

from recaudo.ledger.triggers import add_tally, drop_tally


class Migration(migrations.Migration):
    """Entries counted and checksummed per portfolio by the database; DELETE of entries refused on SQLite too,
    TRUNCATE of the ledger refused on PostgreSQL (docs/decisions/0011-ledger-tally.md)."""

    dependencies = [
        ("ledger", "0013_key_checks_probe_parents"),
        ("portfolio", "0009_money_exponent"),
    ]

    operations = [
        migrations.CreateModel(
            name="Tally",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("entries", models.BigIntegerField()),
                ("checksum", models.BigIntegerField()),
                ("portfolio", models.ForeignKey(db_constraint=False, db_index=False,
                                                on_delete=models.deletion.DO_NOTHING, related_name="+",
                                                to="portfolio.portfolio")),
            ],
            options={
                "db_table": "ledger_tally",
                "indexes": [models.Index(fields=["portfolio"], name="ledger_tally_portfolio")],
            },
        ),
        migrations.RunPython(add_tally, drop_tally),
    ]
