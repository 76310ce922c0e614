"""Facts that lived inside JSON become columns and relations (issue 14 item 0): the migrations fill them from
rows written the old way — a visit's noticed profile changes (`Visit.profile_changes` → `NoticedChange` with
its change request), a planned visit's need (`reasons[].args` → `Demand.planned_visits`) and its deadline
(`args.due_date` → `PlannedVisit.visit_by`)."""

import uuid
from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from fieldcrm.customers.models import ChangeRequest
from fieldcrm.followup.actions import raise_demand
from fieldcrm.followup.models import Demand
from fieldcrm.lib.periods import week_start
from fieldcrm.org.models import Department
from fieldcrm.visits.models import NoticedChange, PlannedVisit
from tests.factories import make_customer

BEFORE = [("visits", "0005_visit_profile_changes_noticed"), ("followup", "0003_route_and_timeline_existing_demands")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def request_for(store, by, key):
    department = Department.objects.get(company=store.company, kind=Department.Kind.SERVICE)
    return ChangeRequest.objects.create(customer=store, field="phone", new_value="13900000000", department=department,
                                        proposed_by=by, client_uuid=key)


def need(store, by, kind, due_at):
    demand = raise_demand(store, kind=kind, description="中华(硬)断货", by=by)
    Demand.objects.filter(pk=demand.pk).update(due_at=due_at)
    demand.refresh_from_db()
    return demand


def reason(demand, due_date=None):
    """A "demand" reason as planning stored it before the relation: kind, deadline (minute and day)."""
    due = timezone.localtime(demand.due_at)
    return {"code": "demand", "text": "Need due", "args": {
        "kind": demand.kind, "due": f"{due:%m-%d %H:%M}", "summary": "中华(硬)断货", "overdue": False,
        "due_date": (due_date or due.date()).isoformat()}}


@pytest.mark.django_db(transaction=True)
def test_json_facts_become_columns_and_relations(cast):
    alice, bob = cast["alice"], cast["bob"]
    store, other, bobs = make_customer(alice), make_customer(alice), make_customer(bob)
    requested, waiting, foreign = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    request = request_for(store, alice, requested)
    request_for(bobs, bob, foreign)  # bob's request: a uuid in alice's visit must not reach it
    due_day = timezone.localdate() + timedelta(days=3)  # any real date: a need is due after it is raised
    due = timezone.make_aware(datetime.combine(due_day, time(10)))
    named = need(store, alice, "supply", due)
    need(store, alice, "delivery", due)  # same store and deadline, another kind: not what the reason names
    need(other, alice, "supply", due)  # same kind and deadline, another store
    need(store, alice, "supply", due + timedelta(hours=3))  # same day, another minute
    try:
        old = migrate(BEFORE)
        Visit, WeekPlan, Planned = (old.get_model("visits", name) for name in ("Visit", "WeekPlan", "PlannedVisit"))
        visit = Visit.objects.create(
            client_uuid=uuid.uuid4(), customer_id=store.pk, manager_id=alice.pk, latitude=34.7, longitude=116.9,
            checked_in_at=timezone.now(), profile_changes=[
                {"client_uuid": str(requested), "field": "phone", "new_value": "13900000000", "applied": False},
                {"client_uuid": str(waiting), "field": "address", "new_value": "汉源大道1号", "applied": None},
                {"client_uuid": str(foreign), "field": "phone", "new_value": "139", "applied": True},
                {"client_uuid": str(requested), "field": "phone", "new_value": "again"},  # a repeat: dropped
                {"field": "phone", "new_value": "no id"}])  # never accepted by the API: dropped
        plain = Visit.objects.create(client_uuid=uuid.uuid4(), customer_id=other.pk, manager_id=alice.pk,
                                     latitude=34.7, longitude=116.9, checked_in_at=timezone.now())
        plan = WeekPlan.objects.create(manager_id=alice.pk, week_start=week_start(due_day))
        for_need = Planned.objects.create(plan_id=plan.pk, customer_id=store.pk, day=due_day + timedelta(days=1),
                                          reasons=[{"code": "standard", "text": "A"}, reason(named)])
        routine = Planned.objects.create(plan_id=plan.pk, customer_id=other.pk, day=due_day,
                                         reasons=[{"code": "standard", "text": "A"}])

        migrate(latest())

        noticed = list(NoticedChange.objects.filter(visit_id=visit.pk).order_by("pk"))
        assert [(n.client_uuid, n.field, n.applied, n.change_request_id) for n in noticed] == [
            (requested, "phone", False, request.pk), (waiting, "address", None, None), (foreign, "phone", True, None)]
        assert not NoticedChange.objects.filter(visit_id=plain.pk).exists()
        linked = PlannedVisit.objects.get(pk=for_need.pk)
        assert list(linked.demands.all()) == [named]
        assert linked.visit_by == due_day and linked.deadline_before  # the need is due the day before
        unlinked = PlannedVisit.objects.get(pk=routine.pk)
        assert not unlinked.demands.exists() and unlinked.visit_by is None

        # And back: the visit's JSON list comes back from the rows.
        back = migrate(BEFORE)
        restored = back.get_model("visits", "Visit").objects.get(pk=visit.pk).profile_changes
        assert [(c["client_uuid"], c["applied"]) for c in restored] == [
            (str(requested), False), (str(waiting), None), (str(foreign), True)]
    finally:
        migrate(latest())
