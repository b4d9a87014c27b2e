"""The ledger is append-only: triggers refuse UPDATE (and DELETE on PostgreSQL); see recaudo.ledger.triggers."""

from django.db import migrations

from recaudo.ledger.triggers import drop_triggers, recreate_triggers


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [migrations.RunPython(recreate_triggers, drop_triggers)]
