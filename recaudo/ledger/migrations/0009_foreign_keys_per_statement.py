from django.conf import settings
from django.db import migrations

from recaudo.core.setkeys import use_constraints, use_triggers


class Migration(migrations.Migration):
    """PostgreSQL: the foreign keys of recaudo.core.setkeys.EDGES are checked once per INSERT statement (with the
    parent rows locked as a foreign key locks them) instead of row by row. Nothing changes on SQLite."""

    dependencies = [
        ('ledger', '0008_entry_key_check_per_statement'),
        ('portfolio', '0006_drop_obligation_status_due_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(use_triggers, use_constraints),
    ]
