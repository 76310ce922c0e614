"""Who sees what, asked of the querysets themselves (`visible_to`, `to_coordinate`), and the seams around
them: models modules do not import the access modules, lookups take one keyword for "I mean to change it"."""

import ast
import inspect
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser

import fieldcrm
from fieldcrm.care import access as care_access
from fieldcrm.care.models import ServiceItem, ServiceTask
from fieldcrm.customers import access as customers_access
from fieldcrm.customers import actions as customer_actions
from fieldcrm.customers.models import ChangeRequest, Customer
from fieldcrm.followup import access as followup_access
from fieldcrm.followup.models import Demand
from fieldcrm.imports import access as imports_access
from fieldcrm.visits import access as visits_access
from fieldcrm.visits.models import PlannedVisit, WeekPlan
from tests.factories import TODAY, WEEK, make_customer

pytestmark = pytest.mark.django_db
SEES_EVERY_CUSTOMER = ("ada", "dora", "max")


@pytest.fixture
def shops(cast):
    return {who: make_customer(cast[who]) for who in ("alice", "bob", "charlie")}


def _codes(queryset):
    return {c.customer_code for c in queryset}


def test_customers_visible_to_each_role(cast, shops):
    mine = {who: shop.customer_code for who, shop in shops.items()}
    assert _codes(Customer.objects.visible_to(cast["alice"])) == {mine["alice"]}
    assert _codes(Customer.objects.visible_to(cast["sam"])) == {mine["alice"], mine["bob"]}
    for who in SEES_EVERY_CUSTOMER:
        assert _codes(Customer.objects.visible_to(cast[who])) == set(mine.values()), who


def test_nobody_outside_sees_customers(cast, shops):
    cast["alice"].is_active = False
    assert not Customer.objects.visible_to(cast["alice"]).exists()
    assert not Customer.objects.visible_to(AnonymousUser()).exists()
    cast["sam"].area = None  # a supervisor who leads no area
    assert not Customer.objects.visible_to(cast["sam"]).exists()


def test_change_requests_visible_to_proposer_overseers_and_the_deciding_department(cast, shops):
    request = customer_actions.propose_change(shops["alice"], "phone", "13800001111", by=cast["alice"])
    assert request.department == cast["dora"].department
    for who in ("alice", "sam", "dora", "ada"):
        assert list(ChangeRequest.objects.visible_to(cast[who])) == [request], who
    for who in ("bob", "charlie", "max"):
        assert not ChangeRequest.objects.visible_to(cast[who]).exists(), who


def test_needs_and_service_tasks_follow_their_customer(cast, shops):
    # Department staff see only the needs routed to their department (dora: customer service).
    demand = Demand.objects.create(customer=shops["alice"], kind="complaint", description="送货", raised_by=cast["alice"],
                                 raised_at=TODAY, response_hours=48, due_at=TODAY, department=cast["dora"].department)
    item = ServiceItem.objects.filter(company=cast["company"]).first()
    task = ServiceTask.objects.create(customer=shops["alice"], item=item, source="standard", due_date=WEEK)
    for who in ("alice", "sam", "ada", "dora"):
        assert list(Demand.objects.visible_to(cast[who])) == [demand], who
        assert list(ServiceTask.objects.visible_to(cast[who])) == [task], who
    assert not Demand.objects.visible_to(cast["bob"]).exists()
    assert not Demand.objects.visible_to(cast["max"]).exists()  # the monopoly office's are licence needs
    assert not ServiceTask.objects.visible_to(cast["charlie"]).exists()


@pytest.fixture
def plans(cast, shops):
    """One plan per manager, each with one visit; bob's submitted, so coordinating staff see it."""
    made = {}
    for who, shop in shops.items():
        status = WeekPlan.Status.SUBMITTED if who == "bob" else WeekPlan.Status.DRAFT
        made[who] = WeekPlan.objects.create(manager=cast[who], week_start=WEEK, status=status)
        PlannedVisit.objects.create(plan=made[who], customer=shop, day=WEEK)
    return made


def test_week_plans_and_their_visits_visible_to_each_role(cast, plans):
    expected = {"alice": {"alice"}, "sam": {"alice", "bob"}, "ada": {"alice", "bob", "charlie"},
                "dora": set(), "max": set()}
    for who, owners in expected.items():
        assert set(WeekPlan.objects.visible_to(cast[who])) == {plans[o] for o in owners}, who
        assert {v.plan for v in PlannedVisit.objects.visible_to(cast[who])} == {plans[o] for o in owners}, who


def test_coordinating_staff_see_submitted_visits_of_their_area_only(cast, plans):
    for who in ("dora", "max"):
        assert [v.plan for v in PlannedVisit.objects.to_coordinate(cast[who])] == [plans["bob"]], who
    cast["dora"].area = cast["rural"]
    assert not PlannedVisit.objects.to_coordinate(cast["dora"]).exists()
    for who in ("alice", "sam", "ada"):
        assert not PlannedVisit.objects.to_coordinate(cast[who]).exists(), who


# --- seams ----------------------------------------------------------------------------------------------


def _imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_models_modules_do_not_import_access():
    """Visibility is the querysets' own rule; access.py builds on models, never the other way round."""
    root = Path(fieldcrm.__file__).parent
    models_modules = sorted(root.glob("*/models.py"))
    assert len(models_modules) >= 5
    for path in models_modules:
        imported = _imported_modules(path)
        assert not any(name.endswith(".access") or ".access." in name for name in imported), path


ACCESS_MODULES = (customers_access, care_access, followup_access, visits_access, imports_access)


def test_lookups_take_one_keyword_for_change():
    """`for_change` is the one keyword for "I mean to change it"; decisions are lookups of their own."""
    lookups = [fn for module in ACCESS_MODULES for name, fn in inspect.getmembers(module, inspect.isfunction)
               if name.startswith("get_") and fn.__module__ == module.__name__]
    keywords = {p.name for fn in lookups for p in inspect.signature(fn).parameters.values()
                if p.kind is p.KEYWORD_ONLY}
    assert keywords <= {"for_change", "missing"}
    changed = {fn.__name__ for fn in lookups if "for_change" in inspect.signature(fn).parameters}
    assert {"get_customer_for_user", "get_task_for_user", "get_demand_for_user", "get_plan_for_user",
            "get_visit_for_user"} <= changed
