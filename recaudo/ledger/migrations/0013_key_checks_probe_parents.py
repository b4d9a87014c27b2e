from django.conf import settings
from django.db import migrations

from recaudo.core.setkeys import use_triggers


class Migration(migrations.Migration):
    """PostgreSQL: the statement triggers of recaudo.core.setkeys (migration 0009) are replaced by their current
    text, which looks each key up through the parent's primary key instead of letting the planner scan the parent
    table (docs/decisions/0007). Same checks, same locks; nothing changes on SQLite. The reverse keeps the new
    text: both versions check and lock exactly the same rows."""

    dependencies = [
        ('ledger', '0012_timestamp_defaults'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(use_triggers, migrations.RunPython.noop),
    ]
