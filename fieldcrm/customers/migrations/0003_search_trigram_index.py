"""A trigram index on the search column, on PostgreSQL only: substring search over 300k profiles
(Chinese included) without a sequential scan. SQLite keeps the plain scan."""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS customer_search_trgm ON customers_customer USING gin (search_text gin_trgm_ops)",
]
DROP = ["DROP INDEX IF EXISTS customer_search_trgm"]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_links_to_users")]
    operations = [migrations.RunPython(run(CREATE), run(DROP))]
