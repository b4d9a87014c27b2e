"""LegalRate moves from agreements to ledger (reference data of late interest). State only: the table keeps its name
(agreements_legalrate), rows and constraints; nothing in the database changes."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0015_interest_adjustments'),
        ('agreements', '0004_interest_when_due_and_authority'),
    ]

    operations = [migrations.SeparateDatabaseAndState(state_operations=[
        migrations.CreateModel(
            name='LegalRate',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('country', models.CharField(max_length=2, verbose_name='country')),
                ('rate_type', models.CharField(choices=[('ibc', 'Certified current bank rate (IBC)'), ('usury', 'Usury rate (legal maximum)')], max_length=8, verbose_name='rate type')),
                ('valid_from', models.DateField(verbose_name='valid from')),
                ('valid_to', models.DateField(help_text='last day in force, inclusive', verbose_name='valid to')),
                ('rate_ea_pct', models.DecimalField(decimal_places=4, help_text='effective annual, in percent: 25.23', max_digits=8, verbose_name='rate (% E.A.)')),
                ('resolution', models.CharField(blank=True, help_text='e.g. SFC 0250/2026', max_length=100, verbose_name='resolution')),
                ('confirmed', models.BooleanField(default=False, help_text='checked against the official resolution', verbose_name='confirmed')),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'verbose_name': 'legal rate',
                'verbose_name_plural': 'legal rates',
                'db_table': 'agreements_legalrate',
                'ordering': ['country', 'rate_type', '-valid_from'],
                'constraints': [models.UniqueConstraint(fields=('country', 'rate_type', 'valid_from'), name='legalrate_unique_start'), models.CheckConstraint(condition=models.Q(('valid_to__gte', models.F('valid_from'))), name='legalrate_dates_ordered'), models.CheckConstraint(condition=models.Q(('rate_ea_pct__gt', 0)), name='legalrate_rate_positive'), models.CheckConstraint(condition=models.Q(('rate_type__in', ['ibc', 'usury'])), name='legalrate_type_valid'), models.CheckConstraint(condition=models.Q(('country__regex', '^[A-Z]{2}$')), name='legalrate_country_iso')],
            },
        ),
    ])]
