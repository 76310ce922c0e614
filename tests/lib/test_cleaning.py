"""Cell cleaning and parsing: what real exports contain, and the messages users see."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from fieldcrm.lib import coords
from fieldcrm.lib.cleaning import (
    CleanError,
    cell_text,
    clean_code,
    clean_phone,
    clean_text,
    excel_serial_to_date,
    fold_width,
    normalize_header,
    parse_business_hours,
    parse_choice,
    parse_coord_system,
    parse_coordinates,
    parse_date,
    parse_decimal,
    parse_int,
    parse_order_day,
)


def message(func, *args) -> str:
    with pytest.raises(CleanError) as info, translation.override("en"):
        func(*args)
    with translation.override("en"):
        return str(info.value)


def test_clean_error_is_a_value_error_rendered_lazily():
    error = CleanError(
        translation.gettext_lazy("at most %(max)s characters (this has %(len)s)"), {"max": 3, "len": 5}
    )
    assert isinstance(error, ValueError)
    with translation.override("en"):
        assert str(error) == "at most 3 characters (this has 5)"


def test_fold_width():
    assert fold_width("　ＡＢｃ１２３－（）：，　") == "ABc123-():,"
    assert fold_width("惠民\u200b食杂店") == "惠民食杂店"
    assert fold_width(None) == ""
    assert fold_width(12) == "12"


def test_cell_text():
    assert cell_text(13912345678.0) == "13912345678"
    assert cell_text(12.5) == "12.5"
    assert cell_text(datetime.date(2026, 1, 5)) == "2026-01-05"
    assert cell_text(" ３２０ ") == "320"


@pytest.mark.parametrize(
    "raw,key",
    [
        ("订货量(条)", "订货量"),
        ("订货量（条）", "订货量"),
        ("Price [元]", "price"),
        ("单价【元/条】", "单价"),
        (" Customer Code ", "customercode"),
        ("customer_code", "customercode"),
        ("ＣＵＳＴＯＭＥＲ　ｃｏｄｅ", "customercode"),
        ("*客户编码", "客户编码"),
        ("客 户 编 码", "客户编码"),
        ("(条)", "(条)"),
        (None, ""),
        ("档位（档）", "档位"),
    ],
)
def test_normalize_header(raw, key):
    assert normalize_header(raw) == key


def test_clean_text():
    assert clean_text("  惠民\n食杂店  1号 ", 20) == "惠民 食杂店 1号"
    assert clean_text("中华（硬）", 20) == "中华(硬)"
    assert clean_text(123.0, 5) == "123"
    assert clean_text("店" * 100, 100) == "店" * 100
    assert message(clean_text, "店" * 101, 100) == "at most 100 characters (this has 101)"
    assert message(clean_text, "   ", 10) == "a value is required"


def test_clean_code():
    assert clean_code("３２０３２２ａＢ", 20) == "320322aB"
    assert clean_code(320322000001.0, 20) == "320322000001"
    assert message(clean_code, "AB-12/34", 20) == "only letters and digits are allowed"
    assert "at most 20" in message(clean_code, "A" * 21, 20)
    assert message(clean_code, "", 20) == "a value is required"


@pytest.mark.parametrize(
    "raw,phone",
    [
        ("13912345678", "13912345678"),
        (13912345678.0, "13912345678"),
        (13912345678, "13912345678"),
        ("+86 139-1234-5678", "13912345678"),
        ("+8613912345678", "13912345678"),
        ("0086 139 1234 5678", "13912345678"),
        ("8613912345678", "13912345678"),
        ("１３９１２３４５６７８", "13912345678"),
        ("139.1234.5678", "13912345678"),
        ("(0516) 8388-1234", "051683881234"),
        ("0516-83881234", "051683881234"),
        ("010-88888888", "01088888888"),
        ("0516－8388 1234", "051683881234"),
        ("+86 516 8388 1234", "051683881234"),
        ("+86 10 8888 8888", "01088888888"),
        ("0516-8388123", "05168388123"),
        ("13912345678.0", "13912345678"),
    ],
)
def test_clean_phone_accepts(raw, phone):
    assert clean_phone(raw) == phone


@pytest.mark.parametrize(
    "raw",
    [
        "12345678901",
        "139123",
        "1391234567",
        "139123456789",
        "+1 139 1234 5678",
        "8813912345678",
        "0086",
        "00516-83881234",
        "0516-838812345",
        "051-12345",
        "13912345678/13812345678",
        "电话",
        "",
        12.5,
    ],
)
def test_clean_phone_rejects(raw):
    assert message(clean_phone, raw) == "not a valid mainland phone number"


@pytest.mark.parametrize(
    "raw,number",
    [
        (12, Decimal(12)),
        (381.6, Decimal("381.6")),
        ("381.60", Decimal("381.60")),
        ("１２.５", Decimal("12.5")),
        ("1,234.5", Decimal("1234.5")),
        ("￥450", Decimal("450")),
        ("450元", Decimal("450")),
        (" -3 ", Decimal(-3)),
        (Decimal("7.25"), Decimal("7.25")),
        (".5", Decimal("0.5")),
    ],
)
def test_parse_decimal(raw, number):
    assert parse_decimal(raw) == number


@pytest.mark.parametrize("raw", ["abc", "", "1.2.3", "12,34", "nan", "inf", float("nan"), True, "1e5"])
def test_parse_decimal_rejects(raw):
    assert message(parse_decimal, raw) == "not a number"


def test_parse_int():
    assert parse_int(12) == 12
    assert parse_int(12.0) == 12
    assert parse_int("12.00") == 12
    assert parse_int("２０") == 20
    assert message(parse_int, 12.5) == "not a whole number"
    assert message(parse_int, "十二") == "not a number"


MARKET = {"城网": "urban", "城镇": "urban", "农网": "rural", "urban": "urban", "rural": "rural"}
STATUS = {"在销": "on_sale", "停销": "discontinued", "on_sale": "on_sale", "discontinued": "discontinued"}


def test_parse_choice():
    assert parse_choice("城网", MARKET) == "urban"
    assert parse_choice(" 农网 ", MARKET) == "rural"
    assert parse_choice("URBAN", MARKET) == "urban"
    assert parse_choice("Ｕｒｂａｎ", MARKET) == "urban"
    assert parse_choice("On Sale", STATUS) == "on_sale"
    assert parse_choice("on-sale", STATUS) == "on_sale"
    assert parse_choice(1.0, {"1": "1", "一类": "1"}) == "1"
    assert message(parse_choice, "郊区", MARKET) == "not one of: 城网, 城镇, 农网"
    assert message(parse_choice, "x", {"a": 1, "b": 2}) == "not one of: a, b"


@pytest.mark.parametrize(
    "raw,day",
    [
        (datetime.date(2026, 1, 5), datetime.date(2026, 1, 5)),
        (datetime.datetime(2026, 1, 5, 10, 30), datetime.date(2026, 1, 5)),
        (46027, datetime.date(2026, 1, 5)),
        (46027.75, datetime.date(2026, 1, 5)),
        (27154, datetime.date(1974, 5, 5)),
        (1, datetime.date(1900, 1, 1)),
        (59, datetime.date(1900, 2, 28)),
        (61, datetime.date(1900, 3, 1)),
        ("2026/1/5", datetime.date(2026, 1, 5)),
        ("2026-01-05", datetime.date(2026, 1, 5)),
        ("2026.1.5", datetime.date(2026, 1, 5)),
        ("2026年1月5日", datetime.date(2026, 1, 5)),
        ("2026年 1月 5号", datetime.date(2026, 1, 5)),
        ("20260105", datetime.date(2026, 1, 5)),
        (20260105, datetime.date(2026, 1, 5)),
        ("２０２６－０１－０５", datetime.date(2026, 1, 5)),
        ("2026-01-05 00:00:00", datetime.date(2026, 1, 5)),
        ("2026/1/5 8:30", datetime.date(2026, 1, 5)),
        ("2024-02-29", datetime.date(2024, 2, 29)),
    ],
)
def test_parse_date(raw, day):
    assert parse_date(raw) == day


@pytest.mark.parametrize(
    "raw,text",
    [
        ("2026-02-30", "not a real calendar date"),
        ("2026-13-01", "not a real calendar date"),
        ("2025-02-29", "not a real calendar date"),
        ("20261305", "not a real calendar date"),
        ("明年", "not a date: write it like 2026-01-05"),
        ("26/1/5", "not a date: write it like 2026-01-05"),
        ("2026-01/05", "not a date: write it like 2026-01-05"),
        ("", "not a date: write it like 2026-01-05"),
        (60, "not a valid date"),
        (0, "not a valid date"),
        (-5, "not a valid date"),
        (3_000_000, "not a valid date"),
        (datetime.time(10, 30), "not a date: write it like 2026-01-05"),
        (True, "not a date: write it like 2026-01-05"),
    ],
)
def test_parse_date_rejects(raw, text):
    assert message(parse_date, raw) == text


def test_excel_serial_matches_excel():
    assert excel_serial_to_date(45658) == datetime.date(2025, 1, 1)
    assert excel_serial_to_date(2958465) == datetime.date(9999, 12, 31)


@pytest.mark.parametrize(
    "raw,day",
    [
        ("周一", 1),
        ("周日", 7),
        ("周天", 7),
        ("星期三", 3),
        ("星期日", 7),
        ("星期天", 7),
        ("礼拜五", 5),
        ("周3", 3),
        (1, 1),
        (7.0, 7),
        ("1.0", 1),
        ("７", 7),
        ("Mon", 1),
        ("monday", 1),
        ("TUE", 2),
        ("Thurs", 4),
        ("Sun.", 7),
        (" Friday ", 5),
    ],
)
def test_parse_order_day(raw, day):
    assert parse_order_day(raw) == day


@pytest.mark.parametrize("raw", ["周八", 0, 8, "1.5", "Moonday", "", "周", "每天"])
def test_parse_order_day_rejects(raw):
    assert "not a weekday" in message(parse_order_day, raw)


@pytest.mark.parametrize(
    "raw,hours",
    [
        ("07:00-22:00", ((7, 0), (22, 0))),
        ("7:00-22:30", ((7, 0), (22, 30))),
        ("０７：００－２２：００", ((7, 0), (22, 0))),
        ("07:00~22:00", ((7, 0), (22, 0))),
        ("07:00—22:00", ((7, 0), (22, 0))),
        ("07:00 至 22:00", ((7, 0), (22, 0))),
        ("07:00～22:00", ((7, 0), (22, 0))),
        ("06:00-24:00", ((6, 0), (23, 59))),
        ("0:00-23:59", ((0, 0), (23, 59))),
    ],
)
def test_parse_business_hours(raw, hours):
    opens, closes = parse_business_hours(raw)
    assert (opens, closes) == (datetime.time(*hours[0]), datetime.time(*hours[1]))


@pytest.mark.parametrize(
    "raw,text",
    [
        ("早上七点", "write the business hours as HH:MM-HH:MM"),
        ("7-22", "write the business hours as HH:MM-HH:MM"),
        ("25:00-26:00", "write the business hours as HH:MM-HH:MM"),
        ("07:60-22:00", "write the business hours as HH:MM-HH:MM"),
        ("24:00-24:00", "write the business hours as HH:MM-HH:MM"),
        ("08:00-08:00", "the opening and closing times are the same"),
    ],
)
def test_parse_business_hours_rejects(raw, text):
    assert message(parse_business_hours, raw) == text


@pytest.mark.parametrize(
    "raw,system",
    [
        (None, "WGS84"),
        ("", "WGS84"),
        ("WGS84", "WGS84"),
        ("wgs-84", "WGS84"),
        ("WGS 84", "WGS84"),
        ("GPS", "WGS84"),
        ("GCJ02", "GCJ02"),
        ("gcj-02", "GCJ02"),
        ("火星坐标", "GCJ02"),
        ("火星坐标系", "GCJ02"),
        ("高德", "GCJ02"),
        ("高德坐标", "GCJ02"),
        ("ＧＣＪ０２", "GCJ02"),
        ("BD09", "BD09"),
        ("bd-09", "BD09"),
        ("百度", "BD09"),
        ("百度坐标系", "BD09"),
        ("BD09LL", "BD09"),
    ],
)
def test_parse_coord_system(raw, system):
    assert parse_coord_system(raw) == system


def test_parse_coordinates_converts_to_wgs84():
    wgs = (116.9372, 34.7216)
    assert parse_coordinates(116.9372, 34.7216, None) == wgs
    assert parse_coordinates("116.9372", "34.7216°", "WGS84") == wgs
    gcj = coords.wgs84_to_gcj02(*wgs)
    lon, lat = parse_coordinates(gcj[0], gcj[1], "GCJ02")
    assert abs(lon - wgs[0]) < 1e-6 and abs(lat - wgs[1]) < 1e-6
    bd = coords.wgs84_to_bd09(*wgs)
    lon, lat = parse_coordinates(str(bd[0]), str(bd[1]), "百度")
    assert abs(lon - wgs[0]) < 1e-6 and abs(lat - wgs[1]) < 1e-6
    assert parse_coordinates(None, "  ", "GCJ02") is None


@pytest.mark.parametrize(
    "lon,lat,system,field,text",
    [
        (116.9, None, None, "latitude", "give both longitude and latitude, or neither"),
        ("", 34.7, None, "longitude", "give both longitude and latitude, or neither"),
        ("东经116", 34.7, None, "longitude", "longitude and latitude must be numbers in degrees"),
        (116.9, "abc", None, "latitude", "longitude and latitude must be numbers in degrees"),
        (150.0, 34.7, None, "longitude", "outside China (longitude 73–136, latitude 3–54)"),
        (34.7216, 116.9372, None, "longitude", "outside China: longitude and latitude look swapped"),
        (116.9, 34.7, "MARS", "coord_system", "unknown coordinate system: use WGS84, GCJ02 or BD09"),
    ],
)
def test_parse_coordinates_rejects(lon, lat, system, field, text):
    with pytest.raises(CleanError) as info:
        parse_coordinates(lon, lat, system)
    assert info.value.field == field
    with translation.override("en"):
        assert str(info.value) == text
    # Callers tell a coordinate-system problem from a number problem by the word "coordinate".
    assert ("coord" in text) == (field == "coord_system")


def test_parse_business_hours_overnight():
    """A shop open through the night: closing before opening means the next morning."""
    assert parse_business_hours("22:00-07:00") == (datetime.time(22, 0), datetime.time(7, 0))
    assert parse_business_hours("20:00至02:30") == (datetime.time(20, 0), datetime.time(2, 30))
