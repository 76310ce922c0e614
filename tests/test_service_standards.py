"""Duty 2 groundwork: the service catalogue and per-class service standards, seeded and served by the API."""

import importlib

from django.apps import apps

from fieldcrm.care.defaults import STANDARDS
from fieldcrm.care.models import ServiceItem, ServiceKind, ServiceStandard
from fieldcrm.customers.models import CustomerClass
from fieldcrm.org.models import ApiToken
from tests.factories import make_cast


def test_catalogue_has_the_three_kinds_and_twelve_items(cast):
    items = ServiceItem.objects.filter(company=cast["company"])
    assert items.count() == 12
    counts = {kind: items.filter(kind=kind).count() for kind in ServiceKind.values}
    assert counts == {"basic": 4, "marketing": 3, "emotional": 5}


def test_catalogue_speaks_the_articles_words(cast):
    names = dict(ServiceItem.objects.filter(company=cast["company"]).values_list("code", "name"))
    assert names["ordering"] == "订单服务" and names["supply_guarantee"] == "货源保障服务"
    assert names["field_visit"] == "实地拜访服务"
    assert names["important_events"] == "重要事件关注" and names["greeting_message"] == "赠送短信"


def test_migration_to_the_articles_words_keeps_an_admins_names_and_reverses(cast):
    migration = importlib.import_module("fieldcrm.care.migrations.0007_article_service_names")
    items = ServiceItem.objects.filter(company=cast["company"])
    migration.to_earlier_names(apps, None)
    assert items.get(code="field_visit").name == "走访服务" and items.get(code="greeting_message").name == "问候短信"
    items.filter(code="ordering").update(name="网上订货")  # an admin's own name
    migration.to_article_names(apps, None)
    names = dict(items.values_list("code", "name"))
    assert names["field_visit"] == "实地拜访服务" and names["greeting_message"] == "赠送短信"
    assert names["ordering"] == "网上订货"


def test_migration_drops_the_frequency_from_the_top_class_description(cast):
    migration = importlib.import_module("fieldcrm.care.migrations.0008_top_class_description")
    top = CustomerClass.objects.filter(company=cast["company"], name="核心客户")
    migration.restore_it(apps, None)
    assert top.get().description == "Top tiers: weekly visits"
    migration.drop_the_frequency(apps, None)
    assert top.get().description == "Top tiers"


def test_the_service_standards_alone_say_how_often_a_class_is_visited(cast):
    for customer_class in CustomerClass.objects.filter(company=cast["company"]):
        assert customer_class.service_standard.visit_frequency == STANDARDS[customer_class.name][0]
        assert "visit" not in customer_class.description.lower()


def test_each_default_class_has_a_standard(cast):
    standards = {s.customer_class.name: s for s in ServiceStandard.objects.filter(company=cast["company"])}
    assert standards["核心客户"].visit_frequency == "weekly"  # domain.md: weekly visits for the top tiers
    assert standards["核心客户"].visits_per_four_weeks == 4
    assert standards["培育客户"].visits_per_four_weeks == 1
    assert standards["核心客户"].response_hours < standards["普通客户"].response_hours
    codes = set(standards["核心客户"].standard_items.values_list("item__code", flat=True))
    assert {"field_visit", "birthday_greeting", "business_guidance"} <= codes


def test_setup_is_idempotent(cast):
    from fieldcrm.company_setup import setup_company

    setup_company("沛县分公司", "320322")
    assert ServiceItem.objects.filter(company=cast["company"]).count() == 12
    assert ServiceStandard.objects.filter(company=cast["company"]).count() == 4


def test_api_serves_own_company_only(cast, client, django_assert_max_num_queries):
    other = make_cast(code="320321", prefix="x")
    ServiceStandard.objects.filter(company=other["company"], customer_class__name="核心客户").update(
        response_hours=6
    )
    headers = {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(cast['alice'])}"}
    with django_assert_max_num_queries(6):
        standards = client.get("/api/v1/service-standards", **headers).json()
    assert len(standards) == 4
    assert all(s["response_hours"] != 6 for s in standards)
    assert any(s["customer_class"] == "核心客户" and s["visits_per_four_weeks"] == 4 for s in standards)
    items = client.get("/api/v1/service-items", **headers).json()
    assert len(items) == 12
    assert client.get("/api/v1/service-standards").status_code == 401
