"""Service tasks with content (issue 10, item 10): information support says which price change and which new
SKU, promotion support which promotion, business guidance what advice; a task with nothing to say is not
planned, a message is offered only with something in it, and the plan page puts what is due first."""

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation
from django.utils.formats import reset_format_cache

from fieldcrm.care.actions import complete_task, plan_services, replan_services, send_task_message
from fieldcrm.care.content import message_text, news_for, offers_message, task_content
from fieldcrm.care.models import OutboxMessage, Promotion, ServiceItem, ServiceTask
from fieldcrm.catalog.models import PriceChange
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
    assert "Last visit Dec 20: 2 SKUs, stock 12 条, sold 8 条 last week; running low: 中华(硬); 1 price tags wrong" in item.text
    assert item.text.endswith(guidance.content)


def test_api_lists_the_content(cast, shop, client):
    from fieldcrm.org.models import ApiToken

    make_price_change(date(2026, 12, 10))
    plan_services(cast["company"], MONDAY, FOUR_WEEKS)
    listed = client.get("/api/v1/service-tasks", {"customer_code": shop.customer_code},
                        HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(cast['alice'])}").json()
    info = [t for t in listed if t["service"] == "information_support"]
    assert len(info) == 1 and "中华(硬) 自 12月10日 起" in info[0]["content"]
    english = client.get("/api/v1/service-tasks", {"customer_code": shop.customer_code, "status": "open"},
                         HTTP_ACCEPT_LANGUAGE="en", HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(cast['alice'])}")
    info = [t for t in english.json() if t["service"] == "information_support"]
    assert "中华(硬) from Dec 10: wholesale 381.60 → 390.00" in info[0]["content"]  # the reader's language
    PriceChange.objects.all().delete()
    replan_services(cast["company"], MONDAY, FOUR_WEEKS)
    cancelled = client.get("/api/v1/service-tasks", {"customer_code": shop.customer_code, "status": "cancelled"},
                           HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(cast['alice'])}").json()
    assert [(t["service"], t["cancel_reason"]) for t in cancelled] == [("information_support", "news_withdrawn")]
    assert "中华(硬) 自 12月10日 起" in cancelled[0]["content"]  # what it was going to say


# --- re-planning keeps open tasks true ---------------------------------------------------------------------


def state(customer):
    """Every task of the store as (service, why, due, status, cancel reason, subject, content)."""
    return sorted((t.item.code, t.source, t.due_date, t.status, t.cancel_reason, repr(t.subject), t.content)
                  for t in ServiceTask.objects.filter(customer=customer).select_related("item"))


def test_replanning_tells_news_announced_after_the_plan(cast, shop):
    make_price_change(date(2026, 12, 10))
    plan_services(cast["company"], MONDAY, FOUR_WEEKS)
    (info,) = tasks(shop, "information_support")
    # Announced later: a change told the same week, and a SKU launched in a week that had nothing to tell.
    later = make_price_change(date(2026, 12, 11), sku=make_sku("6901028000002", "中华(软)"))
    make_sku("6901028000333", "黄鹤楼(硬金)", launched_on=date(2026, 12, 9))
    counts = replan_services(cast["company"], MONDAY, FOUR_WEEKS)
    assert (counts.created, counts.rewritten, counts.cancelled) == (1, 1, 0)
    first, second = tasks(shop, "information_support")
    assert first.pk == info.pk and first.subject["price_changes"] == [info.subject["price_changes"][0], later.pk]
    assert "中华(硬)" in first.content and "中华(软) 自 12月11日 起" in first.content
    assert second.due_date == date(2026, 12, 13) and "黄鹤楼(硬金)" in second.content


def test_replanning_cancels_what_is_left_with_nothing_to_say_and_says_why(cast, shop, login):
    change = make_price_change(date(2026, 12, 10))
    promotion = Promotion.objects.create(company=cast["company"], name="苏烟陈列月", starts_on=date(2026, 12, 10),
                                         ends_on=date(2027, 1, 10), tier_min=15, lead_days=3)
    plan_services(cast["company"], MONDAY, FOUR_WEEKS)
    change.delete()  # withdrawn
    promotion.delete()  # cancelled
    counts = replan_services(cast["company"], MONDAY, FOUR_WEEKS)
    assert counts.cancelled == 2 and counts.created == 0
    (info,) = tasks(shop, "information_support")
    (promo,) = tasks(shop, "promotion_support")
    assert (info.status, info.cancel_reason) == ("cancelled", "news_withdrawn")
    assert (promo.status, promo.cancel_reason) == ("cancelled", "promotion_withdrawn")
    assert "中华(硬)" in info.content  # the record of what it was going to say stays
    with time_machine.travel(datetime(2026, 12, 8, 10, tzinfo=SHANGHAI)):
        client = login(cast["alice"])
        assert f'data-task="{info.pk}"' not in plan_page(client, "week") + plan_page(client, "overdue")
        done_page = client.get(reverse("care:plan"), {"window": "done"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'data-task="{info.pk}"' in done_page
    assert "Nothing left to tell: its price changes and new SKUs were withdrawn" in done_page
    assert "Nothing left to bring: its promotion was cancelled, moved or no longer targets this store" in done_page


def test_replanning_never_touches_done_tasks_and_follows_the_advice(cast, shop):
    plan_services(cast["company"], MONDAY, FOUR_WEEKS + timedelta(days=35))
    done, still_open = tasks(shop, "business_guidance")
    complete_task(done, by=cast["alice"])
    ServiceItem.objects.filter(company=cast["company"], code="business_guidance").update(
        standard_content="把苏烟放到收银台旁")
    replan_services(cast["company"], MONDAY, FOUR_WEEKS)
    done.refresh_from_db()
    still_open.refresh_from_db()
    assert "价签" in done.content and done.status == "done"
    assert still_open.content == "把苏烟放到收银台旁" and still_open.subject == {"advice": "把苏烟放到收银台旁"}
    ServiceItem.objects.filter(company=cast["company"], code="business_guidance").update(standard_content="")
    replan_services(cast["company"], MONDAY, FOUR_WEEKS)
    still_open.refresh_from_db()
    assert (still_open.status, still_open.cancel_reason) == ("cancelled", "no_advice")


def test_replanning_twice_changes_nothing(cast, shop):
    change = make_price_change(date(2026, 12, 10))
    Promotion.objects.create(company=cast["company"], name="春节礼盒", starts_on=date(2026, 11, 1),
                             ends_on=date(2027, 2, 1), tier_min=15)
    Promotion.objects.create(company=cast["company"], name="苏烟陈列月", starts_on=date(2026, 12, 10),
                             ends_on=date(2027, 1, 10), tier_min=15, lead_days=3)
    actions.update_customer(shop, {"tier": 20}, by=cast["ada"], source="edit")
    plan_services(cast["company"], MONDAY, FOUR_WEEKS)
    change.delete()
    first = replan_services(cast["company"], MONDAY, FOUR_WEEKS)
    assert first.cancelled == 1
    before = state(shop)
    again = replan_services(cast["company"], MONDAY, FOUR_WEEKS)
    assert (again.created, again.rewritten, again.cancelled, again.reopened) == (0, 0, 0, 0)
    assert state(shop) == before


def test_a_cancelled_task_reopens_when_there_is_news_again(cast, shop):
    change = make_price_change(date(2026, 12, 10))
    plan_services(cast["company"], MONDAY, FOUR_WEEKS)
    change.delete()
    replan_services(cast["company"], MONDAY, FOUR_WEEKS)
    make_price_change(date(2026, 12, 12))  # a new announcement for the same week
    counts = replan_services(cast["company"], MONDAY, FOUR_WEEKS)
    assert (counts.reopened, counts.created) == (1, 0)
    (info,) = tasks(shop, "information_support")
    assert (info.status, info.cancel_reason, info.cancelled_at) == ("open", "", None)
    assert "12月12日" in info.content


def test_a_moved_or_retargeted_promotion_moves_its_briefing(cast, shop):
    promotion = Promotion.objects.create(company=cast["company"], name="苏烟陈列月", starts_on=date(2026, 12, 10),
                                         ends_on=date(2027, 1, 10), tier_min=15, lead_days=3)
    plan_services(cast["company"], MONDAY, FOUR_WEEKS)
    promotion.starts_on = date(2026, 12, 20)
    promotion.save()
    replan_services(cast["company"], MONDAY, FOUR_WEEKS)
    assert [(t.due_date, t.status) for t in tasks(shop, "promotion_support")] == [
        (date(2026, 12, 7), "cancelled"), (date(2026, 12, 17), "open")]
    promotion.tier_min = 25  # no longer for this store's tier
    promotion.save()
    replan_services(cast["company"], MONDAY, FOUR_WEEKS)
    assert {t.status for t in tasks(shop, "promotion_support")} == {"cancelled"}


def test_overdue_open_tasks_are_rewritten_too(cast, shop):
    make_price_change(date(2026, 12, 10))
    plan_services(cast["company"], MONDAY, FOUR_WEEKS)
    PriceChange.objects.update(new_wholesale_price=Decimal("395"))
    # The next run plans from a later week: the task of the week of 11-30, overdue by then, is rewritten too.
    replan_services(cast["company"], MONDAY + timedelta(days=14), FOUR_WEEKS + timedelta(days=14))
    (info,) = tasks(shop, "information_support")
    assert "381.60 → 395.00" in info.content


def test_a_task_planned_before_subjects_gets_one(cast, shop):
    make_price_change(date(2026, 12, 10))
    plan_services(cast["company"], MONDAY, FOUR_WEEKS)
    ServiceTask.objects.filter(customer=shop).update(subject={}, content="旧内容")
    replan_services(cast["company"], MONDAY, FOUR_WEEKS)
    (info,) = tasks(shop, "information_support")
    assert info.subject["price_changes"] and "12月10日" in info.content


def test_pages_show_the_catalogue_as_it_is_now_before_any_replanning(cast, shop, login):
    change = make_price_change(date(2026, 12, 10))
    plan_services(cast["company"], MONDAY, FOUR_WEEKS)
    (info,) = tasks(shop, "information_support")
    change.new_wholesale_price = Decimal("395")  # corrected
    change.save()
    client = login(cast["alice"])
    with time_machine.travel(datetime(2026, 12, 1, 10, tzinfo=SHANGHAI)):
        page = plan_page(client, "week")
        assert "381.60 → 395.00" in page and "381.60 → 390.00" not in page  # in the message it offers
        change.delete()  # withdrawn: not said, nor offered as a message
        page = plan_page(client, "week")
    row = page[page.index(f'data-task="{info.pk}"'):]
    row = row[:row.index("</form>")]
    assert "中华(硬)" not in row and "<textarea" not in row
    assert not offers_message(info) and task_content(info) == ""


# --- the reader's language ---------------------------------------------------------------------------------


def test_dates_and_content_read_naturally_in_each_language(cast, shop, login):
    make_price_change(date(2026, 12, 10))
    Promotion.objects.create(company=cast["company"], name="苏烟陈列月", starts_on=date(2026, 12, 10),
                             ends_on=date(2027, 1, 5), tier_min=15, lead_days=3)
    plan_services(cast["company"], MONDAY, FOUR_WEEKS)
    client = login(cast["alice"])
    with time_machine.travel(datetime(2026, 12, 1, 10, tzinfo=SHANGHAI)):
        english = client.get(reverse("care:plan"), {"window": "month"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        chinese = client.get(reverse("care:plan"), {"window": "month"},
                             HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    # English: the content in English with English dates; the message to the retailer stays Chinese.
    assert "Promotion 苏烟陈列月, Dec 10 to Jan 5" in english and "中华(硬) from Dec 10: wholesale 381.60" in english
    assert "中华(硬) 自 12月10日 起" in english[english.index("<textarea"):]
    assert "Dec 6" in english and "12月" not in english.replace("中华(硬) 自 12月10日 起", "")
    # Chinese: 12月10日, never 12-10; the content once (the message says it).
    assert "促销活动 苏烟陈列月，12月10日 至 1月5日" in chinese and "12月6日" in chinese
    assert not re.search(r"\b12-\d\d\b", chinese) and "Dec" not in chinese


def test_week_headings_and_event_details_in_the_readers_language(cast, login):
    store = make_customer(cast["alice"], customer_class=core(cast), license_expiry=date(2027, 1, 10),
                          owner_birthday=date(1980, 12, 3), created_at=datetime(2020, 1, 1, tzinfo=SHANGHAI))
    make_price_change(date(2026, 12, 22))  # told in the week of 12-14
    plan_services(cast["company"], MONDAY, FOUR_WEEKS)
    client = login(cast["alice"])
    with time_machine.travel(datetime(2026, 12, 1, 10, tzinfo=SHANGHAI)), translation.override("en"):
        page = client.get(reverse("care:plan"), {"window": "month"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert re.findall(r'<h2[^>]*>([^<]*)</h2>', page) == ["This week", "Next week", "Week of Dec 14"]
    assert "Dec 3 Thu" in page  # the birthday, this week
    assert "Licence expiry approaching · expires Jan 10" in page and "许可证" not in page
    assert store.name in page
