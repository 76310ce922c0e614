"""Service tasks with content (issue 10, item 10): information support says which price change and which new
SKU, promotion support which promotion, business guidance what advice; a task with nothing to say is not
planned, a message is offered only with something in it, and the plan page puts what is due first."""

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation
from django.utils.formats import reset_format_cache

from fieldcrm.care.actions import plan_services, send_task_message
from fieldcrm.care.content import message_text, news_for, offers_message, task_content
from fieldcrm.care.models import OutboxMessage, Promotion, ServiceItem, ServiceTask
from fieldcrm.customers import actions
from fieldcrm.customers.models import CustomerClass
from tests.factories import make_customer, make_price_change, make_sku, make_visit

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = date(2026, 11, 30)
FOUR_WEEKS = MONDAY + timedelta(days=28)


@pytest.fixture(autouse=True)
def _formats(settings):
    """FieldCRM's locale formats (fieldcrm/formats, settings.FORMAT_MODULE_PATH): "12月10日", "Dec 10"."""
    settings.FORMAT_MODULE_PATH = ["fieldcrm.formats"]
    reset_format_cache()
    yield
    reset_format_cache()


def core(cast):
    return CustomerClass.objects.get(company=cast["company"], name="核心客户")


@pytest.fixture
def shop(cast):
    return make_customer(cast["alice"], customer_class=core(cast), owner_name="张兵", tier=18,
                         business_format="tobacco_liquor", created_at=datetime(2020, 1, 1, tzinfo=SHANGHAI))


def tasks(customer, code):
    return list(ServiceTask.objects.filter(customer=customer, item__code=code).select_related("item", "customer")
                .order_by("due_date"))


def test_information_support_only_when_there_is_news_and_it_says_which(cast, shop):
    make_price_change(date(2026, 12, 10))  # told in the week of 11-30 (a week ahead)
    make_sku("6901028000222", "中华(金细支)", launched_on=date(2026, 12, 16))  # told in the week of 12-14
    plan_services(cast["company"], MONDAY, FOUR_WEEKS)
    info = tasks(shop, "information_support")
    assert [t.due_date for t in info] == [date(2026, 12, 6), date(2026, 12, 20)]  # two quiet weeks: no task
    assert "中华(硬) 自 12月10日 起：批发价 381.60 → 390" in info[0].content
    assert "中华(金细支)" in info[1].content and "381.60" not in info[1].content  # each piece of news told once


def test_no_news_no_information_support_at_all(cast, shop):
    plan_services(cast["company"], MONDAY, FOUR_WEEKS)
    assert tasks(shop, "information_support") == []


def test_business_guidance_carries_the_standard_advice_the_admin_edits(cast, shop):
    plan_services(cast["company"], MONDAY, FOUR_WEEKS)
    (guidance,) = tasks(shop, "business_guidance")
    assert "价签" in guidance.content  # the default advice, concrete
    ServiceTask.objects.all().delete()
    ServiceItem.objects.filter(company=cast["company"], code="business_guidance").update(
        standard_content="把苏烟放到收银台旁")
    plan_services(cast["company"], MONDAY, FOUR_WEEKS)
    assert [t.content for t in tasks(shop, "business_guidance")] == ["把苏烟放到收银台旁"]
    ServiceTask.objects.all().delete()
    ServiceItem.objects.filter(company=cast["company"], code="business_guidance").update(standard_content="")
    plan_services(cast["company"], MONDAY, FOUR_WEEKS)
    assert tasks(shop, "business_guidance") == []  # nothing to advise: nothing planned


def test_tier_change_guidance_says_the_change_and_the_advice(cast):
    shop = make_customer(cast["alice"], created_at=datetime(2020, 1, 1, tzinfo=SHANGHAI))
    actions.update_customer(shop, {"tier": 20}, by=cast["ada"], source="edit")
    start = shop.classification_changes.get().changed_at.astimezone(SHANGHAI).date()
    plan_services(cast["company"], start, start + timedelta(days=14))
    (follow_up,) = [t for t in tasks(shop, "business_guidance") if t.source == "tier_change"]
    assert "12 → 20" in follow_up.content and "价签" in follow_up.content


def test_promotion_support_names_its_promotion(cast, shop):
    briefed = Promotion.objects.create(company=cast["company"], name="苏烟陈列月", starts_on=date(2026, 12, 10),
                                       ends_on=date(2027, 1, 10), tier_min=15, lead_days=3)
    plan_services(cast["company"], MONDAY, FOUR_WEEKS)
    promos = tasks(shop, "promotion_support")
    # The promotion's own briefing task; the core class's monthly promotion support adds no duplicate of it.
    assert [(t.source, t.due_date) for t in promos] == [("promotion", briefed.brief_on)]
    assert "苏烟陈列月" in promos[0].content and "12月10日" in promos[0].content


def test_standard_promotion_support_brings_a_promotion_already_running(cast, shop):
    Promotion.objects.create(company=cast["company"], name="春节礼盒", starts_on=date(2026, 11, 1),
                             ends_on=date(2027, 2, 1), tier_min=15)
    Promotion.objects.create(company=cast["company"], name="高档店专项", starts_on=date(2026, 11, 1),
                             ends_on=date(2027, 2, 1), tier_min=25)  # not for this store's tier
    plan_services(cast["company"], MONDAY, FOUR_WEEKS)
    (monthly,) = tasks(shop, "promotion_support")
    assert monthly.source == "standard" and "春节礼盒" in monthly.content and "高档店专项" not in monthly.content


def test_replanning_is_idempotent(cast, shop):
    make_price_change(date(2026, 12, 10))
    first = plan_services(cast["company"], MONDAY, FOUR_WEEKS)
    assert first > 0
    assert plan_services(cast["company"], MONDAY, FOUR_WEEKS) == 0
    assert plan_services(cast["company"], MONDAY + timedelta(days=7), FOUR_WEEKS + timedelta(days=7)) >= 0
    assert len(tasks(shop, "information_support")) == 1


def test_message_offered_only_with_content_and_carries_it(cast, shop):
    make_price_change(date(2026, 12, 10))
    plan_services(cast["company"], MONDAY, FOUR_WEEKS)
    (info,) = tasks(shop, "information_support")
    assert offers_message(info)
    text = message_text(info)
    assert text.startswith("张兵您好，中华(硬) 自 12月10日 起：批发价") and text.endswith(f"——客户经理{cast['alice']}")
    send_task_message(info, by=cast["alice"])
    assert OutboxMessage.objects.get(task=info).text == text
    empty = ServiceTask(customer=shop, item=info.item, source="standard", due_date=MONDAY)
    assert not offers_message(empty)  # an old task without content: no empty SMS
    (guidance,) = tasks(shop, "business_guidance")
    assert not offers_message(guidance)  # delivered at the store, on the checklist


def test_checklist_content_comes_from_care(cast, shop):
    make_price_change(date(2026, 12, 10))
    plan_services(cast["company"], MONDAY, FOUR_WEEKS)
    (guidance,) = tasks(shop, "business_guidance")
    (info,) = tasks(shop, "information_support")
    day = date(2026, 12, 6)
    with translation.override("en"):
        news = news_for(shop, day)
        assert task_content(guidance, news) == guidance.content
        assert "wholesale 381.60 → 390.00" in task_content(info, news)  # the day's news in the reader's language


# --- the page -----------------------------------------------------------------------------------------------


def plan_page(client, window="month"):
    return client.get(reverse("care:plan"), {"window": window}).content.decode()


def test_page_puts_overdue_first_then_weeks_and_events_before_routine(cast, shop, login):
    other = make_customer(cast["alice"], name="阿里小卖部", customer_class=core(cast), owner_birthday=date(1980, 12, 31),
                          created_at=datetime(2020, 1, 1, tzinfo=SHANGHAI))
    make_price_change(date(2026, 12, 16))  # info support due 12-13
    plan_services(cast["company"], MONDAY, FOUR_WEEKS + timedelta(days=7))
    client = login(cast["alice"])
    with time_machine.travel(datetime(2026, 12, 8, 10, tzinfo=SHANGHAI)), translation.override("en"):
        ServiceTask.objects.filter(customer=other, item__code="greeting_message", due_date__year=2027).update(due_date=date(2026, 12, 1))
        page = plan_page(client)
    # Weeks by their index from this one (-1: overdue); the week of 12-14 and 12-21 have nothing due.
    assert re.findall(r'<h2[^>]* id="week(-?\d)">', page) == ["-1", "0", "3"]
    overdue, this_week, last = page.index('id="week-1"'), page.index('id="week0"'), page.index('id="week3"')
    assert "赠送短信" in page[overdue:this_week] and "生日祝福" not in page[overdue:this_week]
    assert "信息支持服务" in page[this_week:last]
    # The last week: the birthday (an event, planned after the routine services of 12-31) comes first.
    week = page[last:]
    assert week.index(other.name) < week.index(shop.name)  # the store with an event first, whatever its name
    store = week[week.index(other.name):]
    assert store.index("生日祝福") < store.index("经营指导服务") < store.index("赠送短信")


def test_page_query_count_does_not_grow_with_stores(cast, login, django_assert_num_queries):
    def add_stores(n):
        for _ in range(n):
            make_customer(cast["alice"], customer_class=core(cast), created_at=datetime(2020, 1, 1, tzinfo=SHANGHAI))
        plan_services(cast["company"], MONDAY, FOUR_WEEKS)

    make_price_change(date(2026, 12, 10))
    client = login(cast["alice"])
    add_stores(3)
    with time_machine.travel(datetime(2026, 12, 1, 10, tzinfo=SHANGHAI)):
        with django_assert_num_queries(7):  # 6, and the price changes the tasks name (once)
            plan_page(client)
        add_stores(30)
        with django_assert_num_queries(7):  # 6, and the price changes the tasks name (once)
            page = plan_page(client)
    assert page.count("service-store") >= 30


def test_guidance_at_the_store_starts_from_its_own_last_visit(cast, shop):
    from fieldcrm.visits.checklist_items import services
    from fieldcrm.visits.models import SkuObservation

    plan_services(cast["company"], MONDAY, FOUR_WEEKS)
    (guidance,) = tasks(shop, "business_guidance")
    day = guidance.due_date
    with translation.override("en"):
        (item,) = [i for i in services(shop, day, cast["alice"], None) if i.data["service"] == "business_guidance"]
    assert item.text == f"{guidance.item.name}: {guidance.content}"  # no visit yet: the standard advice alone
    visit = make_visit(shop, datetime(2026, 12, 20, 10, tzinfo=SHANGHAI))
    SkuObservation.objects.create(visit=visit, sku=make_sku(), stock_cartons=2, sales_last_week_cartons=5,
                                  price_tag_ok=False)
    SkuObservation.objects.create(visit=visit, sku=make_sku("6901028000002", "中华(软)"), stock_cartons=10,
                                  sales_last_week_cartons=3, price_tag_ok=True)
    with translation.override("en"):
        (item,) = [i for i in services(shop, day, cast["alice"], None) if i.data["service"] == "business_guidance"]
    assert "Last visit 12-20: 2 SKUs, stock 12 条, sold 8 条 last week; running low: 中华(硬); 1 price tags wrong" in item.text
    assert item.text.endswith(guidance.content)


def test_api_lists_the_content(cast, shop, client):
    from fieldcrm.org.models import ApiToken

    make_price_change(date(2026, 12, 10))
    plan_services(cast["company"], MONDAY, FOUR_WEEKS)
    listed = client.get("/api/v1/service-tasks", {"customer_code": shop.customer_code},
                        HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(cast['alice'])}").json()
    info = [t for t in listed if t["service"] == "information_support"]
    assert len(info) == 1 and "中华(硬) 自 12月10日 起" in info[0]["content"]
