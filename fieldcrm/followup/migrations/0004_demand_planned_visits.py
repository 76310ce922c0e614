"""The need a visit reason names becomes a relation (`Demand.planned_visits`, read as `planned_visit.demands`)
instead of being recognised from the reason's JSON (kind and deadline, matched against the store's needs)."""

from datetime import date

from django.db import migrations, models
from django.db.models.functions import Cast
from django.utils import timezone

BATCH = 500


def _named(reason):
    """(kind, due date, "MM-DD HH:MM" or None) of a stored "demand" reason, or None when it names none."""
    if not isinstance(reason, dict) or reason.get("code") != "demand" or not isinstance(reason.get("args"), dict):
        return None
    args = reason["args"]
    try:
        due_date = date.fromisoformat(args.get("due_date"))
    except (TypeError, ValueError):
        return None
    return args.get("kind"), due_date, args.get("due") or None


def links_from_reasons(apps, schema_editor):
    """Each planned visit with "demand" reasons is linked to the store's needs those reasons describe: same
    kind, same deadline (its Beijing day, and its minute when the reason kept it) — the rule the phone's
    "also due" list matched them by."""
    PlannedVisit = apps.get_model("visits", "PlannedVisit")
    Demand = apps.get_model("followup", "Demand")
    through = Demand.planned_visits.through
    visits = (PlannedVisit.objects.annotate(reasons_text=Cast("reasons", models.TextField()))
              .filter(reasons_text__contains='"demand"').only("pk", "customer_id", "reasons").order_by("pk"))
    batch = []
    for visit in visits.iterator(chunk_size=BATCH):
        named = [n for n in map(_named, visit.reasons or []) if n is not None]
        if named:
            batch.append((visit, named))
        if len(batch) >= BATCH:
            _link(batch, Demand, through)
            batch = []
    _link(batch, Demand, through)


def _link(batch, Demand, through):
    needs: dict[tuple, list[tuple[int, str]]] = {}
    for demand in Demand.objects.filter(customer_id__in={visit.customer_id for visit, _n in batch}).only(
            "pk", "customer_id", "kind", "due_at"):
        due = timezone.localtime(demand.due_at)
        needs.setdefault((demand.customer_id, demand.kind, due.date()), []).append((demand.pk, f"{due:%m-%d %H:%M}"))
    rows = {(demand_id, visit.pk)
            for visit, named in batch for kind, due_date, due in named
            for demand_id, minute in needs.get((visit.customer_id, kind, due_date), []) if due in (None, minute)}
    through.objects.bulk_create([through(demand_id=d, plannedvisit_id=v) for d, v in sorted(rows)],
                                ignore_conflicts=True)


class Migration(migrations.Migration):

    dependencies = [
        ('followup', '0003_route_and_timeline_existing_demands'),
        ('visits', '0007_planned_visit_visit_by'),
    ]

    operations = [
        migrations.AddField(
            model_name='demand',
            name='planned_visits',
            field=models.ManyToManyField(blank=True, related_name='demands', to='visits.plannedvisit', verbose_name='planned visits'),
        ),
        # Back: the reasons' JSON still describes the needs; the relation simply goes.
        migrations.RunPython(links_from_reasons, migrations.RunPython.noop, elidable=False),
    ]
