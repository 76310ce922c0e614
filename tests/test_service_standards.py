"""Duty 2 groundwork: the service catalogue and per-class service standards, seeded and served by the API."""

from fieldcrm.care.models import ServiceItem, ServiceKind, ServiceStandard
from fieldcrm.org.models import ApiToken
from tests.factories import make_cast


def test_catalogue_has_the_three_kinds_and_twelve_items(cast):
    items = ServiceItem.objects.filter(company=cast["company"])
    assert items.count() == 12
    counts = {kind: items.filter(kind=kind).count() for kind in ServiceKind.values}
    assert counts == {"basic": 4, "marketing": 3, "emotional": 5}


def test_each_default_class_has_a_standard(cast):
    standards = {s.customer_class.name: s for s in ServiceStandard.objects.filter(company=cast["company"])}
    assert standards["核心客户"].visit_frequency == "twice_weekly"
    assert standards["核心客户"].visits_per_four_weeks == 8
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
    assert any(s["customer_class"] == "核心客户" and s["visits_per_four_weeks"] == 8 for s in standards)
    items = client.get("/api/v1/service-items", **headers).json()
    assert len(items) == 12
    assert client.get("/api/v1/service-standards").status_code == 401
