"""The profile fields a person can change, each with one parser shared by forms, change requests,
imports and the API. Values travel as canonical text (codes, ISO dates, `HH:MM-HH:MM`)."""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from fieldcrm.customers.models import (
    BusinessFormat,
    BusinessScale,
    CustomerClass,
    CustomerStatus,
    MarketType,
    OrderDay,
)
from fieldcrm.lib import cleaning
from fieldcrm.lib.cleaning import CleanError
from fieldcrm.org.models import Territory

# Spreadsheet words → stored codes. The codes and English labels are accepted too.
BUSINESS_FORMAT_WORDS = {
    "食杂店": BusinessFormat.GROCERY,
    "便利店": BusinessFormat.CONVENIENCE,
    "超市": BusinessFormat.SUPERMARKET,
    "商场": BusinessFormat.MALL,
    "烟酒店": BusinessFormat.TOBACCO_LIQUOR,
    "娱乐服务类": BusinessFormat.ENTERTAINMENT,
    "其他": BusinessFormat.OTHER,
}
MARKET_TYPE_WORDS = {
    "城网": MarketType.URBAN, "城镇": MarketType.URBAN, "农网": MarketType.RURAL, "乡村": MarketType.RURAL
}
BUSINESS_SCALE_WORDS = {"大": BusinessScale.LARGE, "中": BusinessScale.MEDIUM, "小": BusinessScale.SMALL}
STATUS_WORDS = {
    "正常": CustomerStatus.ACTIVE,
    "暂停": CustomerStatus.SUSPENDED,
    "歇业": CustomerStatus.CLOSED,
    "注销": CustomerStatus.REVOKED,
}


def choice_words(words: dict, choices) -> dict:
    """Chinese words plus each code and English label, all mapping to the code."""
    mapping = {word: code.value for word, code in words.items()}
    for code in choices:
        mapping[code.value] = code.value
        mapping[str(code.name).replace("_", " ").lower()] = code.value
    return mapping


FORMAT_MAPPING = choice_words(BUSINESS_FORMAT_WORDS, BusinessFormat)
MARKET_MAPPING = choice_words(MARKET_TYPE_WORDS, MarketType)
SCALE_MAPPING = choice_words(BUSINESS_SCALE_WORDS, BusinessScale)
STATUS_MAPPING = choice_words(STATUS_WORDS, CustomerStatus)

# The Chinese word written back in exports, so an export re-imports unchanged.
FORMAT_EXPORT = {code: word for word, code in BUSINESS_FORMAT_WORDS.items()}
MARKET_EXPORT = {MarketType.URBAN: "城网", MarketType.RURAL: "农网"}
SCALE_EXPORT = {code: word for word, code in BUSINESS_SCALE_WORDS.items()}
STATUS_EXPORT = {code: word for word, code in STATUS_WORDS.items()}


def parse_tier(value):
    tier = cleaning.parse_int(value)
    if not 1 <= tier <= 30:
        raise CleanError(_("tier must be a whole number from 1 to 30"))
    return tier


NO_CLASS = _("not one of the company's customer classes")
NO_TERRITORY = _("no territory with this name")


def parse_customer_class(value, company):
    name = cleaning.clean_text(value, 50)
    found = CustomerClass.objects.filter(company=company, name=name).first()
    if found is None:
        raise CleanError(NO_CLASS)
    return found


def parse_territory(value, company):
    name = cleaning.clean_text(value, 100)
    found = Territory.objects.filter(area__company=company, name=name).first()
    if found is None:
        raise CleanError(NO_TERRITORY)
    return found


def parse_license(value):
    text = cleaning.clean_code(value, 20)
    if len(text) < 8:
        raise CleanError(_("a licence number has 8 to 20 letters or digits"))
    return text


# One parser per value, used by the profile fields below and by the customer import's columns.
def parse_name(value):
    return cleaning.clean_text(value, 100)


def parse_owner_name(value):
    return cleaning.clean_text(value, 50)


def parse_address(value):
    return cleaning.clean_text(value, 200)


def parse_business_format(value):
    return cleaning.parse_choice(value, FORMAT_MAPPING)


def parse_market_type(value):
    return cleaning.parse_choice(value, MARKET_MAPPING)


def parse_business_scale(value):
    return cleaning.parse_choice(value, SCALE_MAPPING)


def parse_status(value):
    return cleaning.parse_choice(value, STATUS_MAPPING)


@dataclass(frozen=True)
class ProfileField:
    name: str
    label: str
    # text → dict of model attributes; raises CleanError with a message for the user
    parse: Callable
    # customer → canonical text of the current value
    text: Callable


# How to write a new value, shown under the form when the field is chosen.
FIELD_HINTS = {
    "phone": _("mobile 1xxxxxxxxxx or landline with area code, e.g. 0516-83881234"),
    "location": _("longitude,latitude in WGS-84, e.g. 116.937200,34.721600"),
    "business_format": _("食杂店, 便利店, 超市, 商场, 烟酒店, 娱乐服务类 or 其他"),
    "market_type": _("城网 or 农网"),
    "business_scale": _("大, 中 or 小"),
    "tier": _("a whole number from 1 to 30"),
    "order_day": _("周一 … 周日"),
    "business_hours": _("HH:MM-HH:MM, e.g. 07:00-22:00 (overnight: 22:00-07:00)"),
    "rest_day": _("周一 … 周日, or empty when the store opens every day"),
    "owner_birthday": _("a date, e.g. 1975-05-04"),
    "license_expiry": _("a date, e.g. 2028-06-30"),
    "status": _("正常, 暂停, 歇业 or 注销"),
    "license_no": _("8 to 20 letters or digits"),
}

# How each history source reads on the page.
SOURCE_LABELS = {
    "edit": _("edited"),
    "change_request": _("change request"),
    "import": _("import"),
    "seed": _("initial data"),
    "api": _("API"),
}


def _plain(attr, parser):
    return lambda text: {attr: parser(text)}


def _optional(attr, parser):
    return lambda text: {attr: parser(text) if str(text or "").strip() else None}


def _optional_choice(attr, parser):
    return lambda text: {attr: parser(text) if str(text or "").strip() else ""}


def _hours(text):
    if not str(text or "").strip():
        return {"opens_at": None, "closes_at": None}
    opens_at, closes_at = cleaning.parse_business_hours(text)
    return {"opens_at": opens_at, "closes_at": closes_at}


def _location(text):
    """`lon,lat` in WGS-84, or empty to clear."""
    if not str(text or "").strip():
        return {"longitude": None, "latitude": None}
    parts = str(text).replace("，", ",").split(",")
    if len(parts) != 2:
        raise CleanError(_("write the location as longitude,latitude"))
    lon, lat = cleaning.parse_coordinates(parts[0], parts[1], "WGS84")
    return {"longitude": lon, "latitude": lat}


def _location_text(customer):
    if customer.longitude is None:
        return ""
    return f"{customer.longitude:.6f},{customer.latitude:.6f}"


def _iso(value):
    return value.isoformat() if value else ""


PROFILE_FIELDS = {
    f.name: f
    for f in [
        ProfileField("name", _("store name"), _plain("name", parse_name),
                     lambda c: c.name),
        ProfileField("license_no", _("licence number"), _plain("license_no", parse_license),
                     lambda c: c.license_no),
        ProfileField("owner_name", _("owner"), _plain("owner_name", parse_owner_name),
                     lambda c: c.owner_name),
        ProfileField("phone", _("phone"), _plain("phone", cleaning.clean_phone), lambda c: c.phone),
        ProfileField("address", _("address"), _plain("address", parse_address),
                     lambda c: c.address),
        ProfileField("location", _("location (longitude,latitude, WGS-84)"), _location, _location_text),
        ProfileField("business_format", _("business format"),
                     _plain("business_format", parse_business_format),
                     lambda c: c.business_format),
        ProfileField("market_type", _("market type"),
                     _plain("market_type", parse_market_type),
                     lambda c: c.market_type),
        ProfileField("business_scale", _("business scale"), _optional_choice("business_scale", parse_business_scale),
                     lambda c: c.business_scale),
        ProfileField("tier", _("tier"), _optional("tier", parse_tier), lambda c: str(c.tier or "")),
        ProfileField("customer_class", _("customer class"), None,
                     lambda c: c.customer_class.name if c.customer_class_id else ""),
        ProfileField("order_day", _("order day"), _optional("order_day", cleaning.parse_order_day),
                     lambda c: str(c.order_day or "")),
        ProfileField("business_hours", _("business hours"), _hours, lambda c: c.business_hours),
        ProfileField("rest_day", _("weekly rest day"), _optional("rest_day", cleaning.parse_order_day),
                     lambda c: str(c.rest_day or "")),
        ProfileField("territory", _("territory"), None,
                     lambda c: c.territory.name if c.territory_id else ""),
        ProfileField("owner_birthday", _("owner's birthday"), _optional("owner_birthday", cleaning.parse_date),
                     lambda c: _iso(c.owner_birthday)),
        ProfileField("license_expiry", _("licence valid until"),
                     _optional("license_expiry", cleaning.parse_date), lambda c: _iso(c.license_expiry)),
        ProfileField("status", _("status"), _plain("status", parse_status),
                     lambda c: c.status),
    ]
}


def parse_field(field: str, text, company) -> dict:
    """Model attributes for `field` set to `text`; raises CleanError naming what is wrong."""
    profile_field = PROFILE_FIELDS[field]
    if field == "customer_class":
        return {"customer_class": parse_customer_class(text, company) if str(text or "").strip() else None}
    if field == "territory":
        return {"territory": parse_territory(text, company) if str(text or "").strip() else None}
    return profile_field.parse(text)


def display_value(field: str, text: str) -> str:
    """A stored canonical text as a person reads it (labels, weekday names)."""
    if not text:
        return ""
    choices = {
        "business_format": BusinessFormat,
        "market_type": MarketType,
        "business_scale": BusinessScale,
        "status": CustomerStatus,
    }
    if field in choices:
        try:
            return str(choices[field](text).label)
        except ValueError:
            return text
    if field in ("order_day", "rest_day"):
        try:
            return str(OrderDay(int(text)).label)
        except ValueError:
            return text
    return text
