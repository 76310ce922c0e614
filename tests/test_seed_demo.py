from django.core.management import call_command

from fieldcrm.catalog.models import Sku
from fieldcrm.customers.models import Customer
from fieldcrm.org.models import User


def snapshot():
    return list(Customer.objects.order_by("customer_code").values_list(
        "customer_code", "name", "phone", "license_no", "latitude", "longitude", "tier", "manager__username"))


def test_seed_builds_org_logins_and_customers(db, capsys):
    call_command("seed_demo", "--customers", "60", "--managers", "3", "--seed", "7")
    out = capsys.readouterr().out
    for login in ("admin", "supervisor1", "manager1", "manager3", "monopoly1", "service1", "marketing1"):
        assert User.objects.filter(username=login).exists(), login
        assert login in out
    assert "Demo@2026" in out
    assert Customer.objects.count() == 60
    assert Sku.objects.count() >= 20
    for customer in Customer.objects.all():
        customer.full_clean(exclude=["manager", "company"])
        assert 34.4 < customer.latitude < 35.0 and 116.6 < customer.longitude < 117.3


def test_seed_is_deterministic_per_seed(db):
    call_command("seed_demo", "--customers", "30", "--seed", "3")
    first = snapshot()
    Customer.history.all().delete()
    Customer.objects.all().delete()
    call_command("seed_demo", "--customers", "30", "--seed", "3")
    assert snapshot() == first


def test_zero_customers_gives_org_and_logins(db):
    call_command("seed_demo", "--customers", "0", "--managers", "2")
    assert Customer.objects.count() == 0
    assert User.objects.filter(username="manager2").exists()
