"""Payments go to what is due first (decision 0010), and obligations refinanced into an agreement say so.

- allocation_mode: the default becomes "obligation" (oldest due first, each fees, interest, principal), and in
  every mode what is due is paid before what is not yet due (recaudo.ledger.rules). Existing portfolios still on
  the old default "component" move to the new default unless somebody chose their order: the order is not the
  default one, or the admin's history shows the allocation mode or order changed. A portfolio that wants the
  component order back sets it in the admin; the due-first guarantee holds in both modes.
- Obligation.status gains "in_agreement" (its check constraint is rebuilt; on SQLite the entries' key trigger that
  names the obligations table is dropped around the rebuild, as in 0008). Existing obligations settled into an
  accepted agreement are marked.
"""

import json

from django.db import migrations, models

from recaudo.ledger.triggers import create_sqlite_obligation_key, drop_sqlite_obligation_key

DEFAULT_ORDERS = ([], ["fee", "interest", "principal"])


def _explicit_in_admin(apps, portfolio_ids):
    """Portfolio ids whose admin history shows an allocation field changed."""
    try:
        LogEntry = apps.get_model("admin", "LogEntry")
        ContentType = apps.get_model("contenttypes", "ContentType")
    except LookupError:
        return set()
    ct = ContentType.objects.filter(app_label="portfolio", model="portfolio").first()
    if ct is None:
        return set()
    chosen = set()
    for object_id, message in LogEntry.objects.filter(content_type=ct, object_id__in=[str(i) for i in portfolio_ids],
                                                      action_flag=2).values_list("object_id", "change_message"):
        try:
            fields = [f for change in json.loads(message or "[]") for f in change.get("changed", {}).get("fields", [])]
        except (ValueError, AttributeError, TypeError):
            fields = [message or ""]
        if any("allocation" in str(f).lower() for f in fields):
            chosen.add(int(object_id))
    return chosen


def due_first_default(apps, schema_editor):
    Portfolio = apps.get_model("portfolio", "Portfolio")
    old = list(Portfolio.objects.filter(allocation_mode="component").values_list("pk", "allocation_order"))
    chosen = _explicit_in_admin(apps, [pk for pk, _ in old])
    move = [pk for pk, order in old if pk not in chosen and (order or []) in DEFAULT_ORDERS]
    Portfolio.objects.filter(pk__in=move).update(allocation_mode="obligation")


def mark_in_agreement(apps, schema_editor):
    Obligation = apps.get_model("portfolio", "Obligation")
    AgreementObligation = apps.get_model("agreements", "AgreementObligation")
    ids = AgreementObligation.objects.filter(agreement__status="accepted").values_list("obligation_id", flat=True)
    Obligation.objects.filter(pk__in=list(ids), balance_minor=0, status="paid").update(status="in_agreement")


def unmark_in_agreement(apps, schema_editor):
    apps.get_model("portfolio", "Obligation").objects.filter(status="in_agreement").update(status="paid")


class Migration(migrations.Migration):

    dependencies = [
        ('portfolio', '0009_money_exponent'),
        ('ledger', '0014_ledger_tally'),
        ('agreements', '0003_promises_agreements_offers'),
        ('admin', '0003_logentry_add_action_flag_choices'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.AlterField(
            model_name='portfolio',
            name='allocation_mode',
            field=models.CharField(choices=[('obligation', 'Due first: oldest due obligation first, each fees, interest, principal'), ('component', 'Due first, by component: all due fees, then due interest, then due principal')], default='obligation', max_length=12, verbose_name='allocation mode'),
        ),
        migrations.RunPython(due_first_default, migrations.RunPython.noop),
        migrations.RunPython(drop_sqlite_obligation_key, create_sqlite_obligation_key),
        migrations.RemoveConstraint(
            model_name='obligation',
            name='obligation_status_valid',
        ),
        migrations.AlterField(
            model_name='obligation',
            name='status',
            field=models.CharField(choices=[('open', 'Open'), ('paid', 'Paid'), ('written_off', 'Written off'), ('in_agreement', 'In agreement')], default='open', max_length=12),
        ),
        migrations.AddConstraint(
            model_name='obligation',
            constraint=models.CheckConstraint(condition=models.Q(('status', 'open'), ('status', 'paid'), ('status', 'written_off'), ('status', 'in_agreement'), _connector='OR'), name='obligation_status_valid'),
        ),
        migrations.RunPython(create_sqlite_obligation_key, drop_sqlite_obligation_key),
        migrations.RunPython(mark_in_agreement, unmark_in_agreement),
    ]
