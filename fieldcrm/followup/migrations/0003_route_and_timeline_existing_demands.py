"""Existing needs join the lifecycle without losing their history: each gets the department its kind goes
to by default, and a timeline rebuilt from its fields (raised; routed; for a closed need resolved with its
resolution, the retailer told at `feedback_at` when it was, closed). A closed need keeps its times, so
`demand_closure` reads the same. Reversible: backwards, the rebuilt steps and departments are removed."""

from django.db import migrations

# The routing defaults as they were when this migration was written (followup/models.DEFAULT_ROUTES).
DEFAULT_ROUTES = {
    "supply": "supply", "ordering": "supply", "delivery": "logistics", "marketing": "marketing",
    "price": "marketing", "licence": "monopoly", "equipment": "service", "legal": "service",
    "complaint": "service", "other": "service",
}


def forwards(apps, schema_editor):
    Demand = apps.get_model("followup", "Demand")
    DemandStep = apps.get_model("followup", "DemandStep")
    Department = apps.get_model("org", "Department")
    departments = {(d.company_id, d.kind): d for d in Department.objects.all()}
    steps = []
    for demand in Demand.objects.select_related("customer").iterator(chunk_size=500):
        department = departments.get((demand.customer.company_id, DEFAULT_ROUTES.get(demand.kind, "service")))
        if department is not None and demand.department_id is None:
            demand.department = department
            demand.save(update_fields=["department"])
        steps.append(DemandStep(demand=demand, action="raised", by_id=demand.raised_by_id, at=demand.raised_at,
                                note=demand.description))
        if department is not None:
            steps.append(DemandStep(demand=demand, action="routed", at=demand.raised_at, note=department.name))
        if demand.status == "closed":
            Demand.objects.filter(pk=demand.pk).update(resolved_at=demand.closed_at, resolved_by=demand.closed_by_id)
            steps.append(DemandStep(demand=demand, action="resolved", by_id=demand.closed_by_id, at=demand.closed_at,
                                    note=demand.resolution))
            if demand.feedback_at is not None:
                steps.append(DemandStep(demand=demand, action="feedback", by_id=demand.closed_by_id,
                                        at=demand.feedback_at))
            else:
                steps.append(DemandStep(demand=demand, action="closed", by_id=demand.closed_by_id,
                                        at=demand.closed_at))
        if len(steps) >= 1000:
            DemandStep.objects.bulk_create(steps)
            steps = []
    DemandStep.objects.bulk_create(steps)


def backwards(apps, schema_editor):
    Demand = apps.get_model("followup", "Demand")
    apps.get_model("followup", "DemandStep").objects.all().delete()
    # Statuses the old model did not know fold back into "open"; closed needs stay closed.
    Demand.objects.exclude(status="closed").update(status="open")
    Demand.objects.update(department=None, resolved_at=None, resolved_by=None)


class Migration(migrations.Migration):
    dependencies = [
        ("followup", "0002_demand_lifecycle"),
        ("org", "0003_importrun_to_imports_app"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
