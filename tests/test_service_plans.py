"""Service plans: tasks from the class standard and from events, idempotent, overdue, scoped."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from fieldcrm.care.actions import period_ends, plan_services, spring_festival
from fieldcrm.care.models import ServicePolicy, ServiceTask
from fieldcrm.customers import actions
from fieldcrm.customers.models import CustomerClass
from tests.factories import make_customer, make_price_change

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = date(2026, 11, 30)


@pytest.fixture
def core_shop(cast):
    core = CustomerClass.objects.get(company=cast["company"], name="核心客户")
    return make_customer(cast["alice"], customer_class=core, owner_birthday=date(1975, 12, 3),
                         license_expiry=date(2027, 1, 10), created_at=datetime(2020, 1, 1, tzinfo=SHANGHAI))


def tasks_of(customer):
    return {(t.item.code, t.source, t.due_date) for t in ServiceTask.objects.filter(customer=customer)}


def test_period_ends():
    assert period_ends("weekly", MONDAY, MONDAY + timedelta(days=14)) == [date(2026, 12, 6), date(2026, 12, 13)]
    assert period_ends("monthly", MONDAY, MONDAY + timedelta(days=28)) == [date(2026, 12, 31)]
    assert period_ends("quarterly", date(2026, 12, 20), date(2027, 1, 20)) == [date(2027, 3, 31)]


def test_standard_and_events(cast, core_shop):
    make_price_change(date(2026, 12, 10))  # told the week before it takes effect
    plan_services(cast["company"], MONDAY, MONDAY + timedelta(days=28))
    tasks = tasks_of(core_shop)
    assert ("birthday_greeting", "birthday", date(2026, 12, 3)) in tasks
    assert ("important_events", "license_expiry", date(2026, 12, 11)) in tasks
    assert ("information_support", "standard", date(2026, 12, 6)) in tasks  # weekly for the core class
    # ... but only in the week that has news to tell: no empty information support.
    assert [d for code, _s, d in tasks if code == "information_support"] == [date(2026, 12, 6)]
    assert ("business_guidance", "standard", date(2026, 12, 31)) in tasks  # monthly
    assert not any(code in ("ordering", "delivery") for code, _s, _d in tasks)  # routine, not planned


def test_new_retailer_gets_onboarding_series(cast):
    shop = make_customer(cast["alice"], created_at=datetime(2026, 11, 27, 10, tzinfo=SHANGHAI))
    make_price_change(date(2026, 12, 1))  # the month's news its first information support tells
    plan_services(cast["company"], MONDAY, MONDAY + timedelta(days=28))
    onboarding = {(code, due) for code, source, due in tasks_of(shop) if source == "onboarding"}
    assert onboarding == {("field_visit", date(2026, 11, 30)), ("business_guidance", date(2026, 12, 4)),
                          ("information_support", date(2026, 12, 11))}


def test_tier_change_gets_a_follow_up(cast):
    shop = make_customer(cast["alice"], created_at=datetime(2020, 1, 1, tzinfo=SHANGHAI))
    actions.update_customer(shop, {"tier": 20}, by=cast["ada"], source="edit")
    start = shop.classification_changes.get().changed_at.astimezone(SHANGHAI).date()
    plan_services(cast["company"], start, start + timedelta(days=14))
    follow_up = [t for t in ServiceTask.objects.filter(customer=shop) if t.source == "tier_change"]
    assert len(follow_up) == 1 and "12 → 20" in follow_up[0].reason


def test_spring_festival_greeting(cast, core_shop):
    plan_services(cast["company"], date(2027, 2, 1), date(2027, 2, 8))
    assert ("greeting_message", "holiday", date(2027, 2, 3)) in tasks_of(core_shop)


@pytest.mark.parametrize("year, festival", [(2026, date(2026, 2, 17)), (2027, date(2027, 2, 6)),
                                            (2030, date(2030, 2, 3)), (2031, date(2031, 1, 23)),
                                            (2040, date(2040, 2, 12)), (2050, date(2050, 1, 23))])
def test_spring_festival_is_computed_for_any_year(year, festival):
    assert spring_festival(year) == festival


def test_spring_festival_greeting_after_2030(cast, core_shop):
    plan_services(cast["company"], date(2031, 1, 1), date(2031, 2, 1))
    assert ("greeting_message", "holiday", date(2031, 1, 20)) in tasks_of(core_shop)


def test_greeting_can_fall_in_the_year_before_the_festival(cast, core_shop):
    ServicePolicy.objects.filter(company=cast["company"]).update(festival_greeting_days_before=30)
    plan_services(cast["company"], date(2030, 12, 1), date(2031, 1, 1))
    assert ("greeting_message", "holiday", date(2030, 12, 24)) in tasks_of(core_shop)  # festival 2031-01-23


def test_policy_is_created_with_the_defaults(cast):
    assert ServicePolicy.objects.filter(company=cast["company"]).exists()  # by setup_company
    policy = ServicePolicy.for_company(cast["company"])
    assert (policy.license_notice_days, policy.tier_change_follow_up_days, policy.default_response_hours,
            policy.festival_greeting_days_before) == (30, 7, 48, 3)
    assert ServicePolicy.for_company(cast["company"].pk) == policy and ServicePolicy.objects.count() == 1


def test_admin_edits_the_service_policy_and_planning_honours_it(cast, core_shop, login):
    cast["ada"].is_staff = cast["ada"].is_superuser = True
    cast["ada"].save()
    admin = login(cast["ada"])
    policy = ServicePolicy.for_company(cast["company"])
    url = f"/admin/care/servicepolicy/{policy.pk}/change/"
    assert admin.get(url).status_code == 200
    form = {"company": cast["company"].pk, "license_notice_days": 60, "tier_change_follow_up_days": 3,
            "default_response_hours": 48, "festival_greeting_days_before": 10}
    assert admin.post(url, form).status_code == 302
    shop = make_customer(cast["alice"], created_at=datetime(2020, 1, 1, tzinfo=SHANGHAI))
    actions.update_customer(shop, {"tier": 20}, by=cast["ada"], source="edit")
    changed = shop.classification_changes.get().changed_at.astimezone(SHANGHAI).date()
    plan_services(cast["company"], MONDAY, MONDAY + timedelta(days=28))
    plan_services(cast["company"], date(2027, 1, 20), date(2027, 2, 8))
    plan_services(cast["company"], changed, changed + timedelta(days=14))
    tasks = tasks_of(core_shop)
    assert ("important_events", "license_expiry", date(2026, 11, 11)) in tasks  # 2027-01-10 − 60, already due
    assert ("important_events", "license_expiry", date(2026, 12, 11)) not in tasks  # the default 30 days
    assert ("greeting_message", "holiday", date(2027, 1, 27)) in tasks  # 10 days before 2027-02-06
    assert ("greeting_message", "holiday", date(2027, 2, 3)) not in tasks
    follow_up = {due for _code, source, due in tasks_of(shop) if source == "tier_change"}
    assert follow_up == {changed + timedelta(days=3)}


def test_licence_notice_follows_the_policy(cast, core_shop):
    ServicePolicy.objects.filter(company=cast["company"]).update(license_notice_days=45)
    plan_services(cast["company"], date(2026, 11, 20), date(2026, 12, 20))
    assert ("important_events", "license_expiry", date(2026, 11, 26)) in tasks_of(core_shop)  # 2027-01-10 − 45


def test_planning_twice_adds_nothing(cast, core_shop):
    first = plan_services(cast["company"], MONDAY, MONDAY + timedelta(days=28))
    again = plan_services(cast["company"], MONDAY, MONDAY + timedelta(days=28))
    assert first > 0 and again == 0


def test_closed_customers_get_no_tasks(cast):
    shop = make_customer(cast["alice"], status="closed", owner_birthday=date(1980, 12, 5))
    plan_services(cast["company"], MONDAY, MONDAY + timedelta(days=28))
    assert not ServiceTask.objects.filter(customer=shop).exists()


def test_overdue_and_visibility(cast, core_shop):
    plan_services(cast["company"], MONDAY, MONDAY + timedelta(days=28))
    overdue = ServiceTask.objects.overdue(date(2026, 12, 5))
    assert overdue.filter(item__code="birthday_greeting").exists()
    assert ServiceTask.objects.visible_to(cast["alice"]).exists()
    assert not ServiceTask.objects.visible_to(cast["charlie"]).exists()


def test_command(cast, core_shop, capsys):
    call_command("plan_services", "--start", "2026-11-30", "--days", "28")
    assert "new service tasks" in capsys.readouterr().out
    assert ServiceTask.objects.filter(customer=core_shop).exists()


def test_command_replans_from_this_monday_and_says_what_it_changed(cast, core_shop, capsys):
    change = make_price_change(date(2026, 12, 10))
    with time_machine.travel(datetime(2026, 12, 2, 9, tzinfo=SHANGHAI)):  # a Wednesday
        call_command("plan_services")
        first = capsys.readouterr().out
        change.delete()
        call_command("plan_services")
        second = capsys.readouterr().out
    assert "for 2026-11-30 – 2027-01-03" in first  # this week and the next four
    assert "0 new service tasks" in second and "1 cancelled" in second
    info = ServiceTask.objects.get(customer=core_shop, item__code="information_support")
    assert (info.due_date, info.status, info.cancel_reason) == (date(2026, 12, 6), "cancelled", "news_withdrawn")


# --- the service plan page --------------------------------------------------------------------------

from django.urls import reverse  # noqa: E402

from fieldcrm.care.models import OutboxMessage  # noqa: E402


@pytest.fixture
def birthday_task(cast, core_shop):
    plan_services(cast["company"], MONDAY, MONDAY + timedelta(days=28))
    return ServiceTask.objects.get(customer=core_shop, item__code="birthday_greeting")


def test_plan_page_lists_own_tasks_only(cast, birthday_task, login, django_assert_max_num_queries):
    client, outsider = login(cast["alice"]), login(cast["charlie"])
    with time_machine.travel(datetime(2026, 12, 5, 10, tzinfo=SHANGHAI)):
        with django_assert_max_num_queries(10):
            page = client.get(reverse("care:plan"), {"window": "overdue"}).content.decode()
        assert birthday_task.customer.name in page
        assert "逾期" in page
        other = outsider.get(reverse("care:plan"), {"window": "overdue"}).content.decode()
    assert birthday_task.customer.name not in other


def test_send_greeting_writes_outbox_and_completes(cast, birthday_task, login):
    client = login(cast["alice"])
    client.post(reverse("care:send", args=[birthday_task.pk]), {"text": "张伟您好，生日快乐！"})
    client.post(reverse("care:send", args=[birthday_task.pk]), {"text": "张伟您好，生日快乐！"})  # repeated click
    message = OutboxMessage.objects.get()
    assert (message.text, message.phone, message.sent_by) == ("张伟您好，生日快乐！", birthday_task.customer.phone,
                                                              cast["alice"])
    birthday_task.refresh_from_db()
    assert birthday_task.status == "done" and birthday_task.done_by == cast["alice"]
    assert "生日快乐" in client.get(reverse("care:outbox")).content.decode()
    assert "生日快乐" not in login(cast["charlie"]).get(reverse("care:outbox")).content.decode()


def test_default_message_when_text_left_empty(cast, birthday_task, login):
    login(cast["alice"]).post(reverse("care:send", args=[birthday_task.pk]), {"text": ""})
    assert "生日快乐" in OutboxMessage.objects.get().text


def test_done_and_permissions(cast, birthday_task, login):
    done = reverse("care:done", args=[birthday_task.pk])
    send = reverse("care:send", args=[birthday_task.pk])
    assert login(cast["charlie"]).post(done).status_code == 404
    assert login(cast["bob"]).post(send).status_code == 404
    assert login(cast["dora"]).post(done).status_code == 403  # department staff read, do not act
    birthday_task.refresh_from_db()
    assert birthday_task.status == "open"
    login(cast["sam"]).post(done)  # the supervisor may close it for the team
    birthday_task.refresh_from_db()
    assert birthday_task.status == "done"
    assert not OutboxMessage.objects.exists()


def test_api_service_tasks_scoped_and_done(cast, birthday_task, client):
    from fieldcrm.org.models import ApiToken

    def auth(user):
        return {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(user)}"}

    mine = client.get("/api/v1/service-tasks", {"status": "open", "due_before": "2026-12-04"}, **auth(cast["alice"]))
    assert birthday_task.pk in [t["id"] for t in mine.json()]
    assert client.get("/api/v1/service-tasks", **auth(cast["charlie"])).json() == []
    url = f"/api/v1/service-tasks/{birthday_task.pk}/done"
    assert client.post(url, **auth(cast["charlie"])).status_code == 404
    assert client.post(url, **auth(cast["dora"])).status_code == 403
    done = client.post(url, **auth(cast["alice"]))
    assert done.status_code == 200 and done.json()["status"] == "done" and done.json()["cancel_reason"] == ""
    assert client.post(url, **auth(cast["alice"])).json()["status"] == "done"  # repeated call is harmless


def test_promotion_reaches_the_targeted_tiers_and_formats(cast):
    from django.core.exceptions import ValidationError

    from fieldcrm.care.models import Promotion

    old = datetime(2020, 1, 1, tzinfo=SHANGHAI)
    targeted = make_customer(cast["alice"], tier=18, business_format="tobacco_liquor", created_at=old)
    low_tier = make_customer(cast["alice"], tier=5, business_format="tobacco_liquor", created_at=old)
    other_format = make_customer(cast["alice"], tier=18, business_format="grocery", created_at=old)
    Promotion.objects.create(company=cast["company"], name="中华陈列月", starts_on=date(2026, 12, 10),
                             ends_on=date(2026, 12, 31), tier_min=15, business_formats=["tobacco_liquor"],
                             lead_days=3)
    plan_services(cast["company"], MONDAY, MONDAY + timedelta(days=28))
    assert ("promotion_support", "promotion", date(2026, 12, 7)) in tasks_of(targeted)
    assert not any(source == "promotion" for _c, source, _d in tasks_of(low_tier) | tasks_of(other_format))
    bad = Promotion(company=cast["company"], name="x", starts_on=MONDAY, ends_on=MONDAY, tier_min=9, tier_max=3,
                    business_formats=["casino"])
    with pytest.raises(ValidationError) as error:
        bad.full_clean()
    assert {"tier_max", "business_formats"} <= set(error.value.message_dict)


def test_scheduled_service_planning_task(cast, core_shop):
    from fieldcrm.care.tasks import plan_services_for_all

    with time_machine.travel(datetime(2026, 11, 29, 23, tzinfo=SHANGHAI)):  # Sunday night
        assert plan_services_for_all.apply().get() > 0
    # From this week's Monday (11-23), through the next four weeks.
    days = ServiceTask.objects.filter(customer=core_shop).values_list("due_date", flat=True)
    assert min(days) >= date(2026, 11, 23) and date(2026, 12, 3) in days  # the birthday
