# ImportRun, moved here from the org app with its rows: the model state is created over the existing table
# org_importrun (org/0003 dropped it from org's state without touching the database), then the table is
# renamed to this app's name. Both steps reverse, on SQLite and PostgreSQL alike.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def move_content_type(apps, schema_editor, old="org", new="imports"):
    """Keep the content type (and the permissions that hang on it) rather than leave a stale one behind."""
    content_type = apps.get_model("contenttypes", "ContentType")
    if not content_type.objects.filter(app_label=new, model="importrun").exists():
        content_type.objects.filter(app_label=old, model="importrun").update(app_label=new)


def move_content_type_back(apps, schema_editor):
    move_content_type(apps, schema_editor, old="imports", new="org")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("org", "0003_importrun_to_imports_app"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ImportRun",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                                   verbose_name="ID")),
                        ("kind", models.CharField(max_length=20, verbose_name="kind")),
                        ("file_name", models.CharField(max_length=200, verbose_name="file")),
                        ("staged_path", models.CharField(blank=True, max_length=500)),
                        ("status", models.CharField(
                            choices=[("previewed", "Previewed"), ("committed", "Imported"),
                                     ("nothing", "Nothing written"), ("failed", "Failed")],
                            default="previewed", max_length=20, verbose_name="status")),
                        ("summary", models.JSONField(default=dict)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now,
                                                            verbose_name="uploaded at")),
                        ("finished_at", models.DateTimeField(blank=True, null=True, verbose_name="finished at")),
                        ("user", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                                   to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "verbose_name": "import",
                        "verbose_name_plural": "imports",
                        "ordering": ["-created_at"],
                        "db_table": "org_importrun",
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="importrun", table=None),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
