"""What a retailer receives from the service plan is never empty or wrong (issue 16, item 8): a routine 赠送短信
says the season's or the coming holiday's greeting, and a birthday greeting is due on the birthday, not on
31 December for every retailer."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from fieldcrm.care.actions import plan_services
from fieldcrm.care.content import message_text, seasonal_greeting
from fieldcrm.care.models import ServiceTask
from fieldcrm.customers.models import CustomerClass
from tests.factories import make_customer

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def core_shop(cast):
    core = CustomerClass.objects.get(company=cast["company"], name="核心客户")
    return make_customer(cast["alice"], customer_class=core, owner_name="张兵", owner_birthday=date(1975, 6, 3),
                         created_at=datetime(2020, 1, 1, tzinfo=SHANGHAI))


def test_a_year_of_plans_greets_each_retailer_on_their_birthday_only(cast, core_shop):
    plan_services(cast["company"], date(2027, 1, 1), date(2028, 1, 1))
    birthdays = ServiceTask.objects.filter(customer=core_shop, item__code="birthday_greeting")
    assert [(t.source, t.due_date) for t in birthdays] == [("birthday", date(2027, 6, 3))]


def test_routine_greetings_say_something(cast, core_shop):
    plan_services(cast["company"], date(2027, 1, 1), date(2028, 1, 1))
    greetings = ServiceTask.objects.filter(customer=core_shop, item__code="greeting_message", source="standard")
    assert greetings.count() == 12  # monthly for the core class
    for task in greetings.select_related("item", "customer__manager"):
        text = message_text(task)
        assert "：——" not in text and not text.startswith("张兵您好，赠送短信：")
        assert text == f"张兵您好，{seasonal_greeting(task.due_date)}——客户经理{cast['alice']}"


@pytest.mark.parametrize(("day", "says"), [
    (date(2026, 9, 30), "国庆将至"),  # 10-01 is the next day
    (date(2026, 12, 31), "元旦将至"),
    (date(2026, 9, 20), "中秋将至"),  # 2026-09-25 is the 15th of the 8th lunar month
    (date(2027, 5, 31), "端午将至"),  # 2027-06-09
    (date(2026, 3, 15), "春暖花开"),  # no holiday within two weeks: the season's
    (date(2026, 7, 31), "天气炎热"),
    (date(2026, 1, 20), "天气寒冷"),
])
def test_seasonal_greeting(day, says):
    assert seasonal_greeting(day).startswith(says)
    assert seasonal_greeting(day).endswith("！")


def test_the_year_end_birthdays_planned_before_the_fix_are_cancelled(cast, core_shop):
    from importlib import import_module

    from django.apps import apps

    item = core_shop.customer_class.service_standard.standard_items.get(item__code="birthday_greeting").item
    wrong = ServiceTask.objects.create(customer=core_shop, item=item, source="standard", due_date=date(2026, 12, 31))
    right = ServiceTask.objects.create(customer=core_shop, item=item, source="birthday", due_date=date(2026, 6, 3))
    done = ServiceTask.objects.create(customer=core_shop, item=item, source="standard", due_date=date(2025, 12, 31),
                                      status="done")
    migration = import_module("fieldcrm.care.migrations.0011_cancel_birthdays_planned_on_year_end")
    migration.cancel_year_end_birthdays(apps, None)
    statuses = dict(ServiceTask.objects.filter(pk__in=[wrong.pk, right.pk, done.pk]).values_list("pk", "status"))
    assert statuses == {wrong.pk: "cancelled", right.pk: "open", done.pk: "done"}
    assert ServiceTask.objects.get(pk=wrong.pk).cancel_reason == "not_on_birthday"
