"""PIPL: the personal data of a retailer who left the business (closed or revoked, licence ended, no profile
change for ANONYMISE_AFTER_DAYS) is anonymised — profile, history rows, change requests, the outbox — by
the daily job and `anonymise_customers`; its code, licence number and visits stay; a second run changes
nothing, and nobody still trading or recently changed is touched."""

from datetime import date, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from fieldcrm.care.models import OutboxMessage
from fieldcrm.customers.actions import update_customer
from fieldcrm.customers.models import ChangeRequest, Customer
from fieldcrm.customers.privacy import ANONYMISED, anonymise_due, due
from fieldcrm.customers.tasks import anonymise_customers_job
from fieldcrm.org.models import Department
from tests.factories import make_customer, make_visit

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
OPENED = datetime(2021, 3, 1, 10, 0, tzinfo=SHANGHAI)
CLOSED = OPENED + timedelta(days=30)
LATER = CLOSED + timedelta(days=3 * 365 + 1)  # past the default three years


@pytest.fixture
def former(cast, time_machine):
    """A store opened in 2021, its phone changed once, then closed with its licence ended: every write
    leaves a history row with the personal values; a change request, a message and a visit point at it."""
    time_machine.move_to(OPENED, tick=False)
    shop = make_customer(cast["alice"], name="老王烟酒店", owner_name="王建国", phone="13912345678",
                         address="沛县汉源大道1号", longitude=116.93, latitude=34.72,
                         owner_birthday=date(1970, 5, 4), license_expiry=date(2021, 3, 31))
    update_customer(shop, {"phone": "13800001111"}, by=cast["alice"], source="edit")
    service = Department.objects.get(company=cast["company"], kind=Department.Kind.SERVICE)
    ChangeRequest.objects.create(customer=shop, field="phone", old_value="13800001111", new_value="13700002222",
                                 department=service, proposed_by=cast["alice"])
    ChangeRequest.objects.create(customer=shop, field="business_format", old_value="grocery",
                                 new_value="convenience", department=service, proposed_by=cast["alice"])
    OutboxMessage.objects.create(customer=shop, phone="13800001111", text="王老板生日快乐", sent_by=cast["alice"])
    make_visit(shop, OPENED + timedelta(days=2))
    time_machine.move_to(CLOSED, tick=False)
    shop.refresh_from_db()
    update_customer(shop, {"status": "closed"}, by=cast["ada"], source="edit")
    shop.refresh_from_db()
    return shop


def personal_values(shop) -> set:
    rows = [Customer.objects.filter(pk=shop.pk).values().get(), *shop.history.values()]
    return {row[name] for row in rows for name in ("owner_name", "phone", "address", "owner_birthday",
                                                   "longitude", "latitude")} - {None, "", ANONYMISED}


def test_a_former_retailer_is_anonymised_everywhere(former, time_machine):
    assert personal_values(former) == {"王建国", "13912345678", "13800001111", "沛县汉源大道1号",
                                       date(1970, 5, 4), 116.93, 34.72}
    time_machine.move_to(LATER, tick=False)
    outcome = anonymise_due()
    assert outcome.customers == [former.customer_code]
    former.refresh_from_db()
    assert personal_values(former) == set()
    assert former.owner_name == ANONYMISED and former.phone == "" and former.latitude is None
    assert "13800001111" not in former.search_text and former.customer_code.lower() in former.search_text
    # Business identity and what happened stay, keyed by code.
    assert former.name == "老王烟酒店" and former.license_no and former.status == "closed"
    assert former.visits.count() == 1
    phone_request = ChangeRequest.objects.get(customer=former, field="phone")
    assert (phone_request.old_value, phone_request.new_value) == ("", "")
    assert ChangeRequest.objects.get(customer=former, field="business_format").new_value == "convenience"
    message = OutboxMessage.objects.get(customer=former)
    assert message.phone == "" and "王" not in message.text
    # The history rows are kept (as many as before), only blanked: no new row says "anonymised" values.
    assert former.history.count() == 3


def test_a_second_run_changes_nothing(former, time_machine):
    time_machine.move_to(LATER, tick=False)
    anonymise_due()
    assert due().count() == 0
    again = anonymise_due()
    assert again.customers == [] and again.rows == {}


def test_nobody_trading_or_recently_changed_is_touched(cast, former, time_machine):
    time_machine.move_to(OPENED, tick=False)
    trading = make_customer(cast["alice"], owner_name="李四", license_expiry=date(2021, 3, 31))  # still active
    renewed = make_customer(cast["alice"], owner_name="赵六", status="revoked",
                            license_expiry=LATER.date())  # licence ran until recently
    time_machine.move_to(LATER - timedelta(days=10), tick=False)
    touched = make_customer(cast["alice"], owner_name="孙七")
    update_customer(touched, {"status": "revoked"}, by=cast["ada"], source="edit")  # closed ten days ago
    time_machine.move_to(LATER, tick=False)
    assert list(due().values_list("customer_code", flat=True)) == [former.customer_code]
    anonymise_due()
    for customer, owner in ((trading, "李四"), (renewed, "赵六"), (touched, "孙七")):
        customer.refresh_from_db()
        assert customer.owner_name == owner


def test_not_before_the_configured_period(former, settings, time_machine):
    time_machine.move_to(LATER - timedelta(days=2), tick=False)
    assert due().count() == 0
    settings.ANONYMISE_AFTER_DAYS = 365
    assert list(due()) == [former]


def test_the_command_dry_run_lists_and_changes_nothing(former, time_machine):
    time_machine.move_to(LATER, tick=False)
    out = StringIO()
    call_command("anonymise_customers", "--dry-run", stdout=out)
    assert "would anonymise 1 customer(s)" in out.getvalue() and former.customer_code in out.getvalue()
    former.refresh_from_db()
    assert former.owner_name == "王建国"
    out = StringIO()
    call_command("anonymise_customers", stdout=out)
    assert "anonymised 1 customer(s)" in out.getvalue() and "customer history: 3 row(s)" in out.getvalue()
    former.refresh_from_db()
    assert former.owner_name == ANONYMISED


def test_the_daily_job_anonymises_and_is_scheduled(former, settings, time_machine):
    assert settings.CELERY_BEAT_SCHEDULE["anonymise-customers"]["task"] == (
        "fieldcrm.customers.tasks.anonymise_customers_job")
    time_machine.move_to(LATER, tick=False)
    assert anonymise_customers_job.delay().get() == 1
    former.refresh_from_db()
    assert former.phone == ""
