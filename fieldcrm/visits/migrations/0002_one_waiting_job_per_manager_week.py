from django.db import migrations, models
from django.db.models import Max


def fail_duplicate_waiting_jobs(apps, schema_editor):
    """Before the constraint: of several waiting jobs for one manager and week keep the newest."""
    PlanningJob = apps.get_model("visits", "PlanningJob")
    waiting = PlanningJob.objects.filter(status__in=["queued", "running"])
    newest = waiting.values("manager_id", "week_start").annotate(last=Max("pk"))
    for row in newest:
        waiting.filter(manager_id=row["manager_id"], week_start=row["week_start"]).exclude(pk=row["last"]).update(
            status="failed", error="replaced by a newer request")


class Migration(migrations.Migration):
    dependencies = [("visits", "0001_initial")]

    operations = [
        migrations.RunPython(fail_duplicate_waiting_jobs, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="planningjob",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status__in", ["queued", "running"])),
                fields=("manager", "week_start"),
                name="one_waiting_job_per_manager_week",
            ),
        ),
    ]
