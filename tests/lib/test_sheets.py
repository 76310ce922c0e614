"""Reading real .xlsx/.csv files (titles, encodings, row numbers), matching headers, writing reports."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from fieldcrm.lib.cleaning import clean_phone, parse_date
from fieldcrm.lib.sheets import SheetError, match_columns, read_sheet, write_rows_xlsx

HEADER = ["客户编码", "客户名称", "联系电话", "户主生日"]
ROWS = [
    ["320322000001", "惠民食杂店", "+86 139-1234-5678", "2026/1/5"],
    ["320322000002", "老王烟酒店", "0516-83881234", None],
]


def openpyxl_file(path, rows, title=None, at="A1"):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    start = openpyxl.utils.cell.coordinate_from_string(at)
    row, col = start[1], openpyxl.utils.column_index_from_string(start[0])
    if title:
        sheet.cell(row, col, title)
        sheet.merge_cells(start_row=row, start_column=col, end_row=row, end_column=col + 3)
        row += 1
    for values in rows:
        for offset, value in enumerate(values):
            sheet.cell(row, col + offset, value)
        row += 1
    workbook.save(path)
    return path


def csv_file(path, rows, encoding="utf-8", delimiter=","):
    with open(path, "w", encoding=encoding, newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path


def read(sheet):
    return sheet.header, sheet.header_row, list(sheet.rows)


def test_xlsx_with_merged_title_and_empty_rows(tmp_path):
    rows = [HEADER, ROWS[0], [None, None, None, None], ["  ", None, None, None], ROWS[1]]
    path = openpyxl_file(tmp_path / "a.xlsx", rows, title="沛县零售客户信息表（2026年11月导出）")
    sheet = read_sheet(path)
    header, header_row, data = read(sheet)
    assert (header, header_row, sheet.title, sheet.kind) == (
        HEADER,
        2,
        "沛县零售客户信息表(2026年11月导出)",
        "excel",
    )
    assert [number for number, _values in data] == [3, 6]
    assert data[0][1] == ROWS[0]
    assert data[1][1] == ROWS[1]  # the empty cell is None


def test_xlsx_without_title_starting_lower_and_to_the_right(tmp_path):
    path = openpyxl_file(tmp_path / "b.xlsx", [HEADER, *ROWS], at="C4")
    header, header_row, data = read(read_sheet(path))
    assert (header, header_row) == (HEADER, 4)
    assert [(n, v[0]) for n, v in data] == [(5, "320322000001"), (6, "320322000002")]


def test_xlsx_cell_types_from_xlsxwriter(tmp_path):
    """Numbers arrive as floats, date-formatted cells as dates; a serial typed as a number stays a number."""
    path = tmp_path / "c.xlsx"
    workbook = xlsxwriter.Workbook(path)
    sheet = workbook.add_worksheet()
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, ["联系电话", "户主生日", "生日序号", "档位（档）"])
    sheet.write_number(1, 0, 13912345678)
    sheet.write_datetime(1, 1, datetime.date(1974, 5, 5), date_format)
    sheet.write_number(1, 2, 27154)
    sheet.write_string(1, 3, "２０")
    workbook.close()
    [(number, values)] = read_sheet(path).rows
    assert number == 2
    assert clean_phone(values[0]) == "13912345678"
    assert parse_date(values[1]) == parse_date(values[2]) == datetime.date(1974, 5, 5)
    assert values[3] == "２０"


def test_file_objects_and_uploads(tmp_path):
    path = openpyxl_file(tmp_path / "d.xlsx", [HEADER, *ROWS])
    data = path.read_bytes()
    assert read(read_sheet(io.BytesIO(data), filename="d.xlsx"))[0] == HEADER
    assert read(read_sheet(io.BytesIO(data)))[0] == HEADER  # the content decides, not the name
    upload = SimpleUploadedFile("客户.xlsx", data)
    assert len(list(read_sheet(upload, filename=upload.name).rows)) == 2
    renamed = tmp_path / "really-xlsx.csv"
    renamed.write_bytes(data)
    assert read(read_sheet(renamed))[0] == HEADER
    csv_upload = SimpleUploadedFile("客户.csv", "客户编码,客户名称\n1,店\n".encode())
    assert list(read_sheet(csv_upload).rows) == [(2, ["1", "店"])]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16"])
def test_csv_encodings(tmp_path, encoding):
    path = csv_file(tmp_path / "e.csv", [HEADER, *ROWS], encoding)
    header, header_row, data = read(read_sheet(path))
    assert (header, header_row) == (HEADER, 1)
    assert data == [(2, ROWS[0]), (3, [*ROWS[1][:3], None])]


def test_csv_gb18030_beyond_gbk_and_full_width(tmp_path):
    rows = [
        ["客户编码", "客户名称"],
        ["３２０３２２", "𠮷野家便利店"],
    ]  # U+20BB7 needs GB18030's 4-byte codes
    header, _row, data = read(read_sheet(csv_file(tmp_path / "f.csv", rows, "gb18030")))
    assert data == [(2, ["３２０３２２", "𠮷野家便利店"])]


def test_csv_falls_back_to_detection(tmp_path):
    """Neither UTF-8 nor GB18030 (a single-byte European code page): charset-normalizer guesses."""
    path = tmp_path / "latin.csv"
    path.write_bytes("name,city\nJosé,Zürich\nRenée,Paris\n".encode("cp1252"))
    header, _row, data = read(read_sheet(path))
    assert header == ["name", "city"]
    assert [values[0] for _n, values in data] == ["José", "Renée"]


def test_csv_title_quoted_newlines_short_rows_and_tabs(tmp_path):
    rows = [
        ["客户信息表"],
        [],
        HEADER,
        ["1", "店\n二楼", "139", "2026/1/5"],
        ["2", "短行"],
        ["3", "店", "139", ""],
    ]
    header, header_row, data = read(read_sheet(csv_file(tmp_path / "g.csv", rows)))
    assert (header, header_row) == (HEADER, 3)
    assert data == [
        (4, ["1", "店\n二楼", "139", "2026/1/5"]),
        (5, ["2", "短行", None, None]),
        (6, ["3", "店", "139", None]),
    ]
    tsv = csv_file(tmp_path / "h.txt", [HEADER, ROWS[0]], "utf-16", delimiter="\t")
    assert read(read_sheet(tsv))[2] == [(2, ROWS[0])]


def test_one_column_file_keeps_its_header(tmp_path):
    header, header_row, data = read(read_sheet(csv_file(tmp_path / "i.csv", [["客户编码"], ["1"], ["2"]])))
    assert (header, header_row, data) == (["客户编码"], 1, [(2, ["1"]), (3, ["2"])])


def test_header_only_and_empty_files(tmp_path):
    assert read(read_sheet(csv_file(tmp_path / "j.csv", [HEADER]))) == (HEADER, 1, [])
    empty_xlsx = tmp_path / "k.xlsx"
    openpyxl.Workbook().save(empty_xlsx)
    for path in (empty_xlsx, csv_file(tmp_path / "l.csv", [[], [" "]])):
        with pytest.raises(SheetError) as info, translation.override("en"):
            read_sheet(path)
        with translation.override("en"):
            assert str(info.value) == "the file is empty"


@pytest.mark.parametrize(
    "name,content,text",
    [
        ("m.xlsx", b"PK\x03\x04 not really a zip", "the file is not a readable Excel workbook"),
        ("n.xlsx", b"just text", "the file is not a readable Excel workbook"),
        ("o.xls", b"<html><table><tr><td>1</td></tr></table></html>", "really a web page"),
        ("p.pdf", b"%PDF-1.4", "unsupported file type"),
    ],
)
def test_unreadable_files(tmp_path, name, content, text):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(SheetError) as info:
        read_sheet(path)
    assert isinstance(info.value, ValueError)
    with translation.override("en"):
        assert text in str(info.value)


SPEC = {
    "customer_code": ["客户编码", "customer_code", "customer code"],
    "name": ["客户名称", "店名", "name"],
    "quantity": ["订货量", "quantity"],
    "phone": ["联系电话", "phone"],
}


def test_match_columns_mixed_languages_order_units_and_width():
    header = ["订货量（条）", " Customer Code ", "店名", "备注", "", "ＰＨＯＮＥ", "备注", None]
    mapping, ignored = match_columns(header, SPEC)
    assert mapping == {"quantity": 0, "customer_code": 1, "name": 2, "phone": 5}
    assert ignored == ["备注"]


def test_match_columns_missing_fields_are_left_to_the_caller():
    mapping, ignored = match_columns(["客户编码", "unknown [x]"], SPEC)
    assert mapping == {"customer_code": 0}
    assert ignored == ["unknown [x]"]


def test_match_columns_rejects_two_columns_for_one_field():
    with pytest.raises(SheetError) as info:
        match_columns(["客户名称", "客户编码", "店名"], SPEC)
    with translation.override("en"):
        assert str(info.value) == "columns 客户名称 and 店名 mean the same thing: keep one"


def test_match_columns_refuses_an_ambiguous_spec():
    with pytest.raises(ValueError, match="both"):
        match_columns(["x"], {"a": ["编码"], "b": ["编码（条）"]})


def test_write_rows_xlsx_round_trips_through_read_sheet(tmp_path):
    header = ["行", "列", "值", "日期", "金额"]
    rows = [
        [3, "联系电话", "=1+1", datetime.date(2026, 1, 5), Decimal("381.60")],
        [4, "客户编码", "0516001", datetime.datetime(2026, 1, 5, 8, 30), None],
    ]
    path = tmp_path / "report.xlsx"
    write_rows_xlsx(path, header, rows)
    sheet = read_sheet(path)
    assert (sheet.header, sheet.header_row) == (header, 1)
    assert list(sheet.rows) == [
        (2, [3.0, "联系电话", "=1+1", datetime.date(2026, 1, 5), 381.6]),
        (3, [4.0, "客户编码", "0516001", datetime.datetime(2026, 1, 5, 8, 30), None]),
    ]
    buffer = io.BytesIO()
    write_rows_xlsx(buffer, header, iter(rows))
    buffer.seek(0)
    assert read_sheet(buffer).header == header
