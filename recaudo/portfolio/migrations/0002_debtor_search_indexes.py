"""Indexes for the debtor list at 250k debtors (PostgreSQL only; SQLite installations are small).

- Trigram GIN indexes on Debtor.search_text and Debtor.tags, so "contains" searches (name, code, ID, phone,
  e-mail; whole tags) use an index instead of scanning the table. pg_trgm is a trusted extension (PostgreSQL 13+):
  the database owner may create it. Without it the indexes are skipped and searches still work, slower.
- A partial index of disputed debtors by name (few rows, read by the "disputed" filter).
"""

import logging

from django.db import DatabaseError, migrations, transaction

log = logging.getLogger(__name__)

TRIGRAM = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS debtor_search_text_trgm ON portfolio_debtor USING gin (search_text gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS debtor_tags_trgm ON portfolio_debtor USING gin (tags gin_trgm_ops)",
]
PARTIAL = "CREATE INDEX IF NOT EXISTS debtor_disputed_name ON portfolio_debtor (portfolio_id, name) WHERE disputed"
DOWN = [
    "DROP INDEX IF EXISTS debtor_search_text_trgm",
    "DROP INDEX IF EXISTS debtor_tags_trgm",
    "DROP INDEX IF EXISTS debtor_disputed_name",
]


def up(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(PARTIAL)
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            for sql in TRIGRAM:
                schema_editor.execute(sql)
    except DatabaseError as exc:  # no permission to create pg_trgm: keep going without the trigram indexes
        log.warning("debtor search: trigram indexes not created (%s); searches work, slower", exc)


def down(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in DOWN:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("portfolio", "0001_initial")]

    operations = [migrations.RunPython(up, down, elidable=False)]
