"""Cleaning and parsing of single cell values, shared by every import, form and API that takes user text.

Each parser accepts what a spreadsheet cell can hold (str, int, float, date, datetime, None) and returns
the clean value, or raises CleanError whose message is a lazy translation: str(error) renders it in the
language active at that moment, so an import running under translation.override() reports in the user's
language.
"""

import datetime
import math
import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from fieldcrm.lib import coords


class CleanError(ValueError):
    """A value the user must fix. `message` is lazy; `params` are %-interpolated when rendered.

    `field` optionally names which of several inputs is wrong (parse_coordinates sets it).
    """

    def __init__(self, message, params: dict | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.params = params or {}
        self.field = field

    def __str__(self) -> str:
        text = str(self.message)
        return text % self.params if self.params else text


# --- text --------------------------------------------------------------------------------------------

# Full-width ASCII (U+FF01–U+FF5E) maps to U+0021–U+007E; the ideographic space to a space. Zero-width
# characters and stray BOMs (common in text pasted from web pages and chat apps) are dropped.
_WIDTH_TABLE: dict[int, int | None] = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_WIDTH_TABLE[0x3000] = 0x20
_WIDTH_TABLE.update({code: None for code in (0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF)})


def fold_width(s) -> str:
    """Full-width digits, letters, punctuation and spaces → half-width; trimmed."""
    if s is None:
        return ""
    text = str(s)
    if not text.isascii():  # pure ASCII (most codes, phones, numbers) has nothing to fold
        text = text.translate(_WIDTH_TABLE)
    return text.strip()


def cell_text(value) -> str:
    """A cell as text the way the user sees it: 13912345678.0 → "13912345678", folded and trimmed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, datetime.datetime | datetime.date | datetime.time):
        value = value.isoformat()
    return fold_width(value)


_SPACES = re.compile(r"\s+")
_HEADER_JUNK = re.compile(r"[\s_]+")
# A trailing unit in brackets, after folding: (条), [元], 【元/条】, 〔条〕.
_HEADER_UNIT = re.compile(r"(?<=.)[(\[【〔][^()\[\]【】〔〕]*[)\]】〕]$")


def normalize_header(s) -> str:
    """The comparison key of a header: `订货量（条）`, ` 订货量 (条)` and `*订货量` all → `订货量`.

    Folds width, lowercases, drops whitespace and underscores (so `Customer Code` = `customer_code`),
    a trailing bracketed unit, and the `*` templates put on required columns.
    """
    text = _HEADER_JUNK.sub("", cell_text(s).lower())
    text = text.strip("*")
    return _HEADER_UNIT.sub("", text)


def _within(text: str, max_len: int) -> str:
    if len(text) > max_len:
        params = {"max": max_len, "len": len(text)}
        raise CleanError(_("at most %(max)s characters (this has %(len)s)"), params)
    return text


def clean_text(value, max_len: int) -> str:
    """Trimmed text with runs of whitespace (including line breaks) collapsed to one space."""
    text = cell_text(value)
    if "  " in text or not text.isprintable():  # line breaks, tabs, odd spaces: the regex only when needed
        text = _SPACES.sub(" ", text)
    if not text:
        raise CleanError(_("a value is required"))
    return _within(text, max_len)


_CODE = re.compile(r"[A-Za-z0-9]+")


def clean_code(value, max_len: int) -> str:
    """An identifier of ASCII letters and digits (after folding width); case is kept."""
    text = cell_text(value)
    if not text:
        raise CleanError(_("a value is required"))
    if not _CODE.fullmatch(text):
        raise CleanError(_("only letters and digits are allowed"))
    return _within(text, max_len)


# --- phone -------------------------------------------------------------------------------------------

_PHONE_SEPARATORS = re.compile(r"[\s\-.()（）—–_]")
_MOBILE = re.compile(r"1[3-9]\d{9}")
# Trunk 0, a 2–3 digit area code (10, 2x, or 3 digits like 516) and a 7–8 digit number: 10–12 digits.
_LANDLINE = re.compile(r"0[1-9]\d{8,10}")
_DECIMAL_ZERO = re.compile(r"(?<=\d)\.0+$")


def clean_phone(value) -> str:
    """A mainland mobile (11 digits) or landline (0 + area code + number) as digits only."""
    text = _DECIMAL_ZERO.sub("", cell_text(value))  # "13912345678.0" from a CSV saved by Excel
    text = _PHONE_SEPARATORS.sub("", text)
    international = False
    if text.startswith("+86"):
        text, international = text[3:], True
    elif text.startswith("0086"):
        text, international = text[4:], True
    elif text.startswith("86") and len(text) == 13 and _MOBILE.fullmatch(text[2:]):
        text = text[2:]
    if international and not text.startswith("0") and not _MOBILE.fullmatch(text):
        # "+86 516 8388 1234": the international form drops the landline's trunk 0.
        text = "0" + text
    if _MOBILE.fullmatch(text) or _LANDLINE.fullmatch(text):
        return text
    raise CleanError(_("not a valid mainland phone number"))


# --- numbers -----------------------------------------------------------------------------------------

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")


def _number_text(value) -> str:
    """Text of a number cell with thousands separators, currency signs and a trailing 元 removed."""
    text = cell_text(value).replace(" ", "")
    text = text.lstrip("¥￥").removesuffix("元")
    if _THOUSANDS.match(text):
        text = text.replace(",", "")
    return text


def parse_decimal(value) -> Decimal:
    """A decimal number; floats from Excel keep their shortest form (381.6, not 381.6000000000000227)."""
    if isinstance(value, bool):
        raise CleanError(_("not a number"))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CleanError(_("not a number"))
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise CleanError(_("not a number"))
        return value
    text = _number_text(value)
    if not _NUMBER.fullmatch(text):
        raise CleanError(_("not a number"))
    try:
        return Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the regex already guarantees a valid literal
        raise CleanError(_("not a number")) from exc


def parse_int(value) -> int:
    """A whole number; 12.0 (how Excel stores 12) is accepted, 12.5 is not."""
    number = parse_decimal(value)
    if number != number.to_integral_value():
        raise CleanError(_("not a whole number"))
    return int(number)


def parse_float(value) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise CleanError(_("not a number"))
        return float(value)
    return float(parse_decimal(value))


# --- choices -----------------------------------------------------------------------------------------

def _choice_key(value) -> str:
    return _HEADER_JUNK.sub(" ", cell_text(value).lower().replace("-", " ")).strip()


# id(mapping) → (mapping, its size, normalised mapping). Mappings are module constants, so caching them by
# identity saves rebuilding the lookup for every cell of a 300,000-row import; a changed size rebuilds it.
_CHOICE_CACHE: dict[int, tuple[dict, int, dict]] = {}


def _normalised(mapping: dict) -> dict:
    cached = _CHOICE_CACHE.get(id(mapping))
    if cached is None or cached[0] is not mapping or cached[1] != len(mapping):
        normalised = {_choice_key(alias): code for alias, code in mapping.items()}
        cached = _CHOICE_CACHE[id(mapping)] = (mapping, len(mapping), normalised)
    return cached[2]


def _choice_words(mapping: dict) -> str:
    """The words to suggest: the Chinese ones when there are any, else every alias."""
    words = [alias for alias in mapping if not str(alias).isascii()] or list(mapping)
    return ", ".join(str(w) for w in words)


def parse_choice(value, mapping: dict):
    """The canonical code `mapping` gives the value, matched ignoring case, width, spaces and `_`/`-`.

    `mapping` is alias → code, e.g. {"城网": "urban", "urban": "urban", "农网": "rural", ...}.
    """
    found = _normalised(mapping).get(_choice_key(value))
    if found is None:
        raise CleanError(_("not one of: %(choices)s"), {"choices": _choice_words(mapping)})
    return found


# --- dates and times ---------------------------------------------------------------------------------

_EXCEL_EPOCH = datetime.date(1899, 12, 30)  # serial 1 = 1900-01-01, counting Excel's phantom 1900-02-29
_EXCEL_MAX_SERIAL = 2958465  # 9999-12-31
_TIME_SUFFIX = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_DATE_PATTERNS = (
    re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})" + _TIME_SUFFIX),
    re.compile(r"(\d{4})年\s*(\d{1,2})月\s*(\d{1,2})[日号]?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)


def excel_serial_to_date(serial: float) -> datetime.date:
    """A 1900-system Excel serial day number (time of day ignored) as a date."""
    day = int(serial)
    if day == 60 or not 1 <= day <= _EXCEL_MAX_SERIAL:
        raise CleanError(_("not a valid date"))
    if day < 60:
        day += 1  # before Excel's fictitious 1900-02-29 serials are one day further from the epoch
    return _EXCEL_EPOCH + datetime.timedelta(days=day)


def _date_from_parts(year: str, month: str, day: str) -> datetime.date:
    try:
        return datetime.date(int(year), int(month), int(day))
    except ValueError as exc:
        raise CleanError(_("not a real calendar date")) from exc


def parse_date(value) -> datetime.date:
    """A date from a date cell, an Excel serial number, or text like 2026-01-05, 2026/1/5, 2026.1.5,
    2026年1月5日 or 20260105."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, int) or value.is_integer():
            text = str(int(value))
            if len(text) == 8:  # 20260105 typed as a number
                return _date_from_parts(text[:4], text[4:6], text[6:])
        if not math.isfinite(value):
            raise CleanError(_("not a valid date"))
        return excel_serial_to_date(value)
    text = cell_text(value)
    for pattern in _DATE_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            year, month, day = (g for g in match.groups() if g not in ("-", "/", "."))
            return _date_from_parts(year, month, day)
    raise CleanError(_("not a date: write it like 2026-01-05"))


_WEEKDAYS = {
    "mon": 1, "monday": 1, "tue": 2, "tues": 2, "tuesday": 2, "wed": 3, "wednesday": 3,
    "thu": 4, "thur": 4, "thurs": 4, "thursday": 4, "fri": 5, "friday": 5,
    "sat": 6, "saturday": 6, "sun": 7, "sunday": 7,
}
_CHINESE_DAYS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "日": 7, "天": 7}
_CHINESE_DAY = re.compile(r"(?:周|星期|礼拜)([一二三四五六日天1-7])")


def parse_order_day(value) -> int:
    """A weekday as 1 (Monday) … 7 (Sunday): 周三, 星期三, 3, 3.0, Wed or Wednesday."""
    text = cell_text(value).lower().rstrip(".")
    if text in _WEEKDAYS:
        return _WEEKDAYS[text]
    match = _CHINESE_DAY.fullmatch(text)
    if match:
        day = match.group(1)
        return _CHINESE_DAYS.get(day) or int(day)
    try:
        number = parse_int(value)
    except CleanError:
        number = 0
    if 1 <= number <= 7:
        return number
    raise CleanError(_("not a weekday: write 周一…周日, 1–7 or Mon–Sun"))


# After folding, every dash-like separator and 至/到 become "-".
_HOURS_SEPARATORS = re.compile(r"\s*(?:[-~〜～—–―]+|至|到)\s*")
_HOURS = re.compile(r"(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})")


def _clock(hour: str, minute: str, *, closing: bool) -> datetime.time:
    h, m = int(hour), int(minute)
    if closing and (h, m) == (24, 0):
        return datetime.time(23, 59)  # "open until midnight"; a time of day cannot hold 24:00
    if h > 23 or m > 59:
        raise CleanError(_("write the business hours as HH:MM-HH:MM"))
    return datetime.time(h, m)


def parse_business_hours(value) -> tuple[datetime.time, datetime.time]:
    """Opening and closing time from `07:00-22:00` (also ～, —, 至, full-width); closing 24:00 → 23:59.
    A closing time before the opening time is overnight (`22:00-07:00`: open from 22:00 until 07:00 the
    next morning); the same time twice says nothing and is refused."""
    text = _HOURS_SEPARATORS.sub("-", cell_text(value))
    match = _HOURS.fullmatch(text)
    if not match:
        raise CleanError(_("write the business hours as HH:MM-HH:MM"))
    opens = _clock(match.group(1), match.group(2), closing=False)
    closes = _clock(match.group(3), match.group(4), closing=True)
    if closes == opens:
        raise CleanError(_("the opening and closing times are the same"))
    return opens, closes


# --- coordinates -------------------------------------------------------------------------------------

_SYSTEM_ALIASES = {
    "WGS84": "WGS84", "WGS": "WGS84", "GPS": "WGS84",
    "GCJ02": "GCJ02", "GCJ": "GCJ02", "火星坐标": "GCJ02", "火星": "GCJ02", "国测局": "GCJ02",
    "高德": "GCJ02", "AMAP": "GCJ02", "GAODE": "GCJ02", "腾讯": "GCJ02",
    "BD09": "BD09", "BD09LL": "BD09", "百度": "BD09", "BAIDU": "BD09",
}


def parse_coord_system(value) -> str:
    """"WGS84", "GCJ02" or "BD09" from the spellings people use; blank means WGS84."""
    key = re.sub(r"[\s\-_]", "", cell_text(value)).upper()
    for suffix in ("坐标系", "坐标"):
        if key.endswith(suffix) and key != "火星坐标":
            key = key.removesuffix(suffix)
    if not key:
        return "WGS84"
    if key not in _SYSTEM_ALIASES:
        raise CleanError(_("unknown coordinate system: use WGS84, GCJ02 or BD09"), field="coord_system")
    return _SYSTEM_ALIASES[key]


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not fold_width(value))


def _degrees(value, field: str) -> float:
    if isinstance(value, str):
        value = cell_text(value).rstrip("°")
    try:
        return parse_float(value)
    except CleanError as exc:
        raise CleanError(_("longitude and latitude must be numbers in degrees"), field=field) from exc


def parse_coordinates(lon, lat, system=None) -> tuple[float, float] | None:
    """(longitude, latitude) converted to WGS-84 and rounded to 7 decimals (~1 cm), or None when both are
    blank. Raises CleanError with `field` set to "longitude", "latitude" or "coord_system".

    Messages about the numbers deliberately avoid the word "coordinate": callers may tell a
    coordinate-system problem from the others by that word.
    """
    if _is_blank(lon) and _is_blank(lat):
        return None
    if _is_blank(lon) or _is_blank(lat):
        raise CleanError(_("give both longitude and latitude, or neither"),
                         field="longitude" if _is_blank(lon) else "latitude")
    x, y = _degrees(lon, "longitude"), _degrees(lat, "latitude")
    name = parse_coord_system(system)
    if not coords.in_china_box(x, y):
        if coords.in_china_box(y, x):
            raise CleanError(_("outside China: longitude and latitude look swapped"), field="longitude")
        raise CleanError(_("outside China (longitude 73–136, latitude 3–54)"), field="longitude")
    wlon, wlat = coords.to_wgs84(x, y, name)
    return round(wlon, 7), round(wlat, 7)
