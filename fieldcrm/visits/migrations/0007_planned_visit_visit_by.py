"""A planned visit's deadline becomes a column (`visit_by`) instead of a `due_date` inside its reasons' JSON
(the open needs' reasons carried it for the plan's "overdue by then")."""

from datetime import date

from django.db import migrations, models
from django.db.models.functions import Cast

BATCH = 1000


def deadline_of(reasons) -> date | None:
    """The earliest `args.due_date` among a visit's stored reasons (ISO dates), None without one."""
    found = []
    for reason in reasons or []:
        args = reason.get("args") if isinstance(reason, dict) else None
        text = args.get("due_date") if isinstance(args, dict) else None
        try:
            found.append(date.fromisoformat(text))
        except (TypeError, ValueError):
            continue
    return min(found, default=None)


def visit_by_from_reasons(apps, schema_editor):
    PlannedVisit = apps.get_model("visits", "PlannedVisit")
    visits = (PlannedVisit.objects.annotate(reasons_text=Cast("reasons", models.TextField()))
              .filter(reasons_text__contains="due_date").only("pk", "reasons").order_by("pk"))
    changed = []
    for visit in visits.iterator(chunk_size=BATCH):
        visit.visit_by = deadline_of(visit.reasons)
        if visit.visit_by is not None:
            changed.append(visit)
        if len(changed) >= BATCH:
            PlannedVisit.objects.bulk_update(changed, ["visit_by"])
            changed = []
    PlannedVisit.objects.bulk_update(changed, ["visit_by"])


class Migration(migrations.Migration):

    dependencies = [
        ('visits', '0006_noticed_changes'),
    ]

    operations = [
        migrations.AddField(
            model_name='plannedvisit',
            name='visit_by',
            field=models.DateField(blank=True, null=True, verbose_name='visit by'),
        ),
        # Back: the JSON still has its due_date; the column simply goes.
        migrations.RunPython(visit_by_from_reasons, migrations.RunPython.noop, elidable=False),
    ]
