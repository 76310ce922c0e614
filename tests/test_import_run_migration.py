"""ImportRun moved from org to the imports app: its rows survive the migration, forwards and back."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("org", "0002_user_start_location")]
AFTER = [("imports", "0001_importrun_from_org")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def tables():
    return set(connection.introspection.table_names())


@pytest.mark.django_db(transaction=True)
def test_import_runs_survive_the_move_both_ways():
    try:
        old_apps = migrate(BEFORE)
        assert "org_importrun" in tables() and "imports_importrun" not in tables()
        user = old_apps.get_model("org", "User").objects.create(username="ada", role="admin")
        old_apps.get_model("org", "ImportRun").objects.create(
            kind="customers", user_id=user.pk, file_name="c.xlsx", summary={"new": 2})

        new_apps = migrate(AFTER)
        assert "imports_importrun" in tables() and "org_importrun" not in tables()
        moved = new_apps.get_model("imports", "ImportRun").objects.get()
        assert (moved.file_name, moved.summary, moved.user_id) == ("c.xlsx", {"new": 2}, user.pk)

        back = migrate(BEFORE)
        assert back.get_model("org", "ImportRun").objects.get().file_name == "c.xlsx"
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
