"""A small cast, built with the real set-up action: alice and bob are managers in the town area
(supervised by sam), charlie manages in the rural area, dora works in customer service, max is a monopoly
officer, ada is the company admin."""

from datetime import date, datetime, time, timedelta
from itertools import count
from zoneinfo import ZoneInfo

from django.utils import timezone

from fieldcrm.company_setup import setup_company
from fieldcrm.customers.models import Customer, CustomerClass
from fieldcrm.org.models import ApiToken, Department, MarketingArea, Territory, User

PASSWORD = "correct-horse-battery-staple"
_serial = count(1)


def make_user(username, role, company, **fields):
    user = User(username=username, role=role, company=company, **fields)
    user.set_password(PASSWORD)
    user.save()
    return user


def make_cast(code="320322", prefix=""):
    company = setup_company("沛县分公司", code)
    town = MarketingArea.objects.create(company=company, name="城区营销部")
    rural = MarketingArea.objects.create(company=company, name="农村营销部")
    Territory.objects.create(area=town, name="汉城片区")
    Territory.objects.create(area=rural, name="龙固片区")
    service = Department.objects.get(company=company, kind=Department.Kind.SERVICE)
    monopoly = Department.objects.get(company=company, kind=Department.Kind.MONOPOLY)
    return {
        "company": company,
        "town": town,
        "rural": rural,
        "alice": make_user(prefix + "alice", User.Role.MANAGER, company, area=town, employee_no=prefix + "E0001", full_name="王丽"),
        "bob": make_user(prefix + "bob", User.Role.MANAGER, company, area=town, employee_no=prefix + "E0002", full_name="李强"),
        "charlie": make_user(prefix + "charlie", User.Role.MANAGER, company, area=rural, employee_no=prefix + "E0003"),
        "sam": make_user(prefix + "sam", User.Role.SUPERVISOR, company, area=town),
        "dora": make_user(prefix + "dora", User.Role.DEPARTMENT, company, department=service),
        "max": make_user(prefix + "max", User.Role.MONOPOLY, company, department=monopoly),
        "ada": make_user(prefix + "ada", User.Role.ADMIN, company),
    }


def auth(user, language="en") -> dict:
    """Request headers of an API call by `user` with a Bearer token, answered in `language`."""
    return {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(user)}", "HTTP_ACCEPT_LANGUAGE": language}


def make_customer(manager, **fields):
    n = next(_serial)
    values = {
        "company": manager.company,
        "customer_code": f"C{n:06d}",
        "name": f"惠民食杂店{n}",
        "license_no": f"320322{n:08d}",
        "owner_name": "张伟",
        "phone": f"139{n:08d}",
        "address": f"沛县汉源大道{n}号",
        "business_format": "grocery",
        "market_type": "urban",
        "tier": 12,
        "manager": manager,
    }
    values.update(fields)
    customer = Customer(**values)
    customer.search_text = customer.build_search_text()
    customer.save()
    return customer


# --- visit planning (tests/test_visits.py and the modules that plan weeks) ---------------------------------

WEEK = date(2026, 11, 30)  # a Monday
CENTRE = (34.7216, 116.9372)
# "Today" for the planning tests: the Friday before WEEK, so WEEK is next week whenever the suite runs.
TODAY = datetime(2026, 11, 27, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _verified(now):
    return {f"{f}_verified_at": now for f in ("phone", "address", "owner_name", "business_scale")}


def make_store(manager, n, cls, **fields):
    """A store near the county centre, profile freshly verified (so only the standard brings it in)."""
    now = timezone.now()
    values = {
        "latitude": CENTRE[0] + (n % 7) * 0.004, "longitude": CENTRE[1] + (n // 7) * 0.004,
        "customer_class": CustomerClass.objects.get(company=manager.company, name=cls),
        "order_day": 1 + n % 6, "opens_at": time(8, 0), "closes_at": time(21, 0),
        "created_at": now - timedelta(days=400), **_verified(now),
    }
    values.update(fields)
    return make_customer(manager, **values)


# --- evidence photos (tests/test_photos.py, tests/test_market_reports.py, tests/api_calls.py) --------------

GPS_LATITUDE = (34.0, 43.0, 17.91)  # 34°43'17.91" N, in a photo's EXIF


def image_bytes(fmt="JPEG", *, gps=True, size=(32, 24), colour=(200, 30, 30)) -> bytes:
    """A small photo as a phone sends it; a JPEG carries EXIF with a GPS position and a camera make."""
    import io

    from PIL import Image

    image = Image.new("RGB", size, colour)
    out = io.BytesIO()
    if fmt == "JPEG" and gps:
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"  # Make
        exif.get_ifd(0x8825).update({1: "N", 2: GPS_LATITUDE, 3: "E", 4: (116.0, 56.0, 13.39)})
        image.save(out, fmt, exif=exif.tobytes())
    else:
        image.save(out, fmt)
    return out.getvalue()


# --- visits done at the store (tests/test_field_visits.py, tests/test_visits.py) ------------------------


def make_visit(customer, at, manager=None, **fields):
    """A visit recorded at the store, checked in at `at` (written as a row, without the action's checks);
    `profile_changes=[{client_uuid, field, new_value, applied}]` as the phone sends them."""
    import uuid

    from fieldcrm.visits.fieldwork import ChangeNoticed, note_changes
    from fieldcrm.visits.models import Visit

    noticed = fields.pop("profile_changes", [])
    values = {"client_uuid": uuid.uuid4(), "customer": customer, "manager": manager or customer.manager,
              "checked_in_at": at, "latitude": customer.latitude or 0.0, "longitude": customer.longitude or 0.0,
              "distance_m": 0.0, "on_site": True, "ad_hoc": True}
    visit = Visit.objects.create(**{**values, **fields})
    # Profile changes noticed, as the phone sends them: [{client_uuid, field, new_value, applied}].
    note_changes(visit, [ChangeNoticed(**{**c, "client_uuid": uuid.UUID(str(c["client_uuid"]))}) for c in noticed])
    return visit


def make_sku(code="6901028000001", name="中华(硬)", launched_on=None, **fields):
    """A SKU of the catalogue (launched long ago unless told otherwise)."""
    from decimal import Decimal

    from fieldcrm.catalog.models import Brand, Sku

    brand, _ = Brand.objects.get_or_create(name=fields.pop("brand", "中华"))
    prices = {"wholesale_price": Decimal("381.6"), "retail_price": Decimal("450"), "purchase_cost": Decimal("340"),
              "price_class": "1"}
    sku, _ = Sku.objects.get_or_create(code=code, defaults={"name": name, "brand": brand, "launched_on": launched_on,
                                                            **prices, **fields})
    return sku


def make_price_change(effective_on, sku=None, new_wholesale="390", new_retail="460"):
    """A wholesale/retail price change of a SKU (中华(硬) by default) taking effect on a day."""
    from decimal import Decimal

    from fieldcrm.catalog.models import PriceChange

    sku = sku or make_sku()
    return PriceChange.objects.create(sku=sku, effective_on=effective_on, old_wholesale_price=sku.wholesale_price,
                                      new_wholesale_price=Decimal(new_wholesale), old_retail_price=sku.retail_price,
                                      new_retail_price=Decimal(new_retail))


# --- market information (tests/test_market_information.py, tests/api_calls.py) --------------------------


def marketing_staff(cast, name="mia"):
    """A member of the cast company's marketing department (business information is routed there), added to
    the cast once."""
    if name not in cast:
        department = Department.objects.get(company=cast["company"], kind=Department.Kind.MARKETING)
        cast[name] = make_user(name, User.Role.DEPARTMENT, cast["company"], department=department)
    return cast[name]
