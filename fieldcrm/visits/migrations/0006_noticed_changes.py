"""The profile changes noticed at a visit become rows of their own (`NoticedChange`) with a foreign key to the
change request each became, instead of a JSON list on the visit reaching its request through `client_uuid`."""

import uuid

import django.db.models.deletion
from django.db import migrations, models

BATCH = 1000


def _uuid(text):
    try:
        return uuid.UUID(str(text))
    except (TypeError, ValueError, AttributeError):
        return None


def notices_from_json(apps, schema_editor):
    """One NoticedChange per entry of `Visit.profile_changes`, linked to the change request with its
    client_uuid among the store's requests by the visit's manager (the rule the visit page read by). Entries
    without a readable client_uuid, and repeats within a visit, are dropped (the API never accepted them)."""
    Visit = apps.get_model("visits", "Visit")
    NoticedChange = apps.get_model("visits", "NoticedChange")
    ChangeRequest = apps.get_model("customers", "ChangeRequest")
    visits = Visit.objects.exclude(profile_changes=[]).only("pk", "customer_id", "manager_id", "profile_changes")
    rows = []
    for visit in visits.order_by("pk").iterator(chunk_size=BATCH):
        changes = {}
        for change in visit.profile_changes or []:
            key = _uuid(change.get("client_uuid")) if isinstance(change, dict) else None
            if key is not None and key not in changes:
                changes[key] = change
        requests = dict(ChangeRequest.objects.filter(
            client_uuid__in=list(changes), customer_id=visit.customer_id, proposed_by_id=visit.manager_id,
        ).values_list("client_uuid", "pk")) if changes else {}
        for key, change in changes.items():
            applied = change.get("applied")
            rows.append(NoticedChange(
                visit_id=visit.pk, client_uuid=key, field=str(change.get("field") or "")[:30],
                new_value=str(change.get("new_value") or "")[:200],
                applied=applied if isinstance(applied, bool) else None, change_request_id=requests.get(key)))
        if len(rows) >= BATCH:
            NoticedChange.objects.bulk_create(rows)
            rows = []
    NoticedChange.objects.bulk_create(rows)


def notices_to_json(apps, schema_editor):
    """Back: the rows become the visit's JSON list again."""
    Visit = apps.get_model("visits", "Visit")
    NoticedChange = apps.get_model("visits", "NoticedChange")
    by_visit = {}
    for change in NoticedChange.objects.order_by("pk").iterator(chunk_size=BATCH):
        by_visit.setdefault(change.visit_id, []).append(
            {"client_uuid": str(change.client_uuid), "field": change.field, "new_value": change.new_value,
             "applied": change.applied})
    for visit_id, changes in by_visit.items():
        Visit.objects.filter(pk=visit_id).update(profile_changes=changes)


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0005_applied_change'),
        ('visits', '0005_visit_profile_changes_noticed'),
    ]

    operations = [
        migrations.CreateModel(
            name='NoticedChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('client_uuid', models.UUIDField(verbose_name='change id')),
                ('field', models.CharField(max_length=30, verbose_name='field')),
                ('new_value', models.CharField(blank=True, max_length=200, verbose_name='new value')),
                ('applied', models.BooleanField(blank=True, null=True, verbose_name='saved at once')),
                ('change_request', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='noticed_changes', to='customers.changerequest', verbose_name='change request')),
                ('visit', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='noticed_changes', to='visits.visit')),
            ],
            options={
                'verbose_name': 'profile change noticed',
                'verbose_name_plural': 'profile changes noticed',
                'ordering': ['pk'],
                'indexes': [models.Index(fields=['client_uuid'], name='noticed_change_uuid')],
                'constraints': [models.UniqueConstraint(fields=('visit', 'client_uuid'), name='one_notice_per_change')],
            },
        ),
        migrations.RunPython(notices_from_json, notices_to_json, elidable=False),
        migrations.RemoveField(
            model_name='visit',
            name='profile_changes',
        ),
    ]
