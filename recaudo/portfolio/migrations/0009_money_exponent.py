"""Each portfolio records the exponent its amounts are stored with (decision 0008).

Existing portfolios were written while the exponent came from Babel's CLDR data; every currency Recaudo has served
(COP, CLP, PEN, MXN, USD) had there, up to Babel 2.18, the exponent the project's table now gives, so that is what
is recorded. A database written under Babel 2.19 (COP rounded to whole pesos) should set COP portfolios to 0 by hand
before using this version: `recaudo portfolio show` prints the recorded exponent.
"""

from django.db import migrations, models

# ISO 4217 exponents of the currencies this migration may meet, frozen here: a migration must not change with data.
EXPONENTS_0 = {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV",
               "XAF", "XOF", "XPF"}
EXPONENTS_3 = {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"}
EXPONENTS_4 = {"CLF", "UYW"}


def record(apps, schema_editor):
    Portfolio = apps.get_model("portfolio", "Portfolio")
    for p in Portfolio.objects.all():
        code = p.currency
        p.money_exponent = 0 if code in EXPONENTS_0 else 3 if code in EXPONENTS_3 else 4 if code in EXPONENTS_4 else 2
        p.save(update_fields=["money_exponent"])


class Migration(migrations.Migration):
    dependencies = [("portfolio", "0008_checks_without_in_lists")]

    operations = [
        migrations.AddField(
            model_name="portfolio", name="money_exponent",
            field=models.PositiveSmallIntegerField(null=True, editable=False),
        ),
        migrations.RunPython(record, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="portfolio", name="money_exponent",
            field=models.PositiveSmallIntegerField(
                editable=False, verbose_name="minor-unit exponent",
                help_text="decimals of the stored amounts (COP 2, CLP 0), recorded from the project's currency table "
                          "when the portfolio is created; never changes"),
        ),
        migrations.AddField(
            model_name="portfolio", name="display_decimals",
            field=models.PositiveSmallIntegerField(
                null=True, blank=True, verbose_name="decimals shown",
                help_text="how many decimals pages and documents show (0 shows whole pesos); empty shows the stored "
                          "precision. Storage never changes with it."),
        ),
        migrations.AddConstraint(
            model_name="portfolio",
            constraint=models.CheckConstraint(condition=models.Q(money_exponent__lte=4),
                                              name="portfolio_money_exponent_range"),
        ),
        migrations.AddConstraint(
            model_name="portfolio",
            constraint=models.CheckConstraint(
                condition=models.Q(display_decimals__isnull=True) | models.Q(display_decimals__lte=4),
                name="portfolio_display_decimals_range"),
        ),
    ]
