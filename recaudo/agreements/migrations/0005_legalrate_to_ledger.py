"""LegalRate now belongs to ledger (ledger 0016): removed from this app's state only; the table stays."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('agreements', '0004_interest_when_due_and_authority'),
        ('ledger', '0016_legalrate'),
    ]

    operations = [migrations.SeparateDatabaseAndState(state_operations=[
        migrations.DeleteModel(name='LegalRate'),
    ])]
