# ImportRun moved to the imports app. Only Django's model state changes here; the table (and its rows) is
# taken over and renamed by imports/0001, which runs after this migration and is undone before it.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("org", "0002_user_start_location"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ImportRun")],
            database_operations=[],
        ),
    ]
