"""The ledger is append-only: triggers refuse UPDATE (and DELETE on PostgreSQL); see recaudo.ledger.append_only."""

from django.db import migrations

from recaudo.ledger.append_only import drop_triggers, recreate_triggers


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [migrations.RunPython(recreate_triggers, drop_triggers)]
