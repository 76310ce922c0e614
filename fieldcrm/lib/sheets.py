"""Reading the spreadsheets users bring (.xlsx, .xls, .csv) and writing xlsx reports.

read_sheet() returns the header and an iterator of (spreadsheet row number, cell values) so an import can
point at the exact row the user sees in Excel. Excel files are parsed by calamine (Rust): the first
worksheet is loaded once (python-calamine has no streaming row reader; an xlsx holds at most 1,048,576
rows) and rows are turned into Python lists one at a time. CSV files are read as a stream: the encoding is
decided from the first megabyte, then rows are decoded and parsed as they are read, so memory stays flat
whatever the file's size.
"""

import codecs
import csv
import datetime
import io
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

import python_calamine
import xlsxwriter
from charset_normalizer import from_bytes
from django.utils.translation import gettext_lazy as _

from fieldcrm.lib.cleaning import CleanError, cell_text, normalize_header

EXCEL_EXTENSIONS = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
TEXT_EXTENSIONS = {".csv", ".txt", ".tsv"}
# Leading rows with a single filled cell (a merged title, an "exported on" line) skipped before the header.
MAX_TITLE_ROWS = 3

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class SheetError(CleanError):
    """The file as a whole cannot be used (unreadable, empty, ambiguous columns)."""


@dataclass
class Sheet:
    """`rows` yields (row_number, values) once; row numbers are the ones Excel shows (1-based).

    Empty rows are skipped. Empty cells are None; rows are at least as long as the header.
    """

    header: list[str]
    header_row: int
    rows: Iterator[tuple[int, list]]
    title: str = ""  # the skipped title row(s), e.g. "沛县零售客户信息表（2026年11月导出）"
    kind: str = "excel"  # "excel" or "csv"
    # How much of the file has been read, 0–1 (for progress bars); None when unknown.
    fraction: Callable[[], float | None] = lambda: None


def read_sheet(path_or_file, filename: str | None = None) -> Sheet:
    """Open the first worksheet of an Excel file, or a CSV file, from a path or a binary file object.

    The format is taken from the content (zip/OLE signature) with the file name as a hint, so a renamed
    file still reads. Raises SheetError when the file cannot be read or has no header.
    """
    name = filename or _source_name(path_or_file)
    extension = os.path.splitext(name)[1].lower()
    head = _peek(path_or_file, 8)
    if head.startswith(_ZIP_MAGIC) or head.startswith(_OLE_MAGIC):
        return _excel_sheet(path_or_file)
    if extension in EXCEL_EXTENSIONS:
        if head.lstrip().startswith(b"<"):
            # Some systems export an HTML table named .xls.
            raise SheetError(_("this .xls file is really a web page: open it in Excel and save it as .xlsx"))
        raise SheetError(_("the file is not a readable Excel workbook"))
    if extension and extension not in TEXT_EXTENSIONS:
        raise SheetError(_("unsupported file type: use .xlsx, .xls or .csv"))
    return _csv_sheet(path_or_file)


def _source_name(source) -> str:
    if isinstance(source, str | os.PathLike):
        return os.fspath(source)
    return str(getattr(source, "name", "") or "")


def _peek(source, size: int) -> bytes:
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as handle:
            return handle.read(size)
    position = source.tell()
    head = source.read(size)
    source.seek(position)
    return head if isinstance(head, bytes) else head.encode()


# --- Excel -------------------------------------------------------------------------------------------

def _excel_sheet(source) -> Sheet:
    try:
        if isinstance(source, str | os.PathLike):
            workbook = python_calamine.CalamineWorkbook.from_path(os.fspath(source))
        else:
            workbook = python_calamine.CalamineWorkbook.from_filelike(source)
        with workbook:
            # The sheet keeps its own copy of the cells, so the file can be closed straight away.
            sheet = workbook.get_sheet_by_index(0)
    except python_calamine.PasswordError as exc:
        raise SheetError(_("the workbook is password-protected: remove the password and try again")) from exc
    except (python_calamine.CalamineError, ValueError, OSError) as exc:
        raise SheetError(_("the file is not a readable Excel workbook")) from exc
    if sheet.start is None:  # no cell at all; iter_rows() would fail on an empty range
        return _frame(iter(()), "excel")
    # iter_rows() pads the empty rows above the used range, so the n-th list is spreadsheet row n; the
    # empty columns left of it are cut, which is harmless since the header is cut the same way.
    counted = _Counted(sheet.iter_rows())
    height = max(1, sheet.total_height or sheet.height or 1)
    framed = _frame(counted, "excel")
    framed.fraction = lambda: min(1.0, counted.count / height)
    return framed


class _Counted:
    """An iterator that counts what it has given out."""

    def __init__(self, rows: Iterator[list]):
        self.rows, self.count = rows, 0

    def __iter__(self):
        return self

    def __next__(self) -> list:
        row = next(self.rows)
        self.count += 1
        return row


# --- CSV ---------------------------------------------------------------------------------------------

SAMPLE_BYTES = 1 << 20  # the encoding is decided on the first megabyte
_DOUBLE_BYTE = re.compile(rb"[\x81-\xfe][\x40-\x7e\x80-\xfe]")
BIG5_REFUSED = _("the file looks Big5-encoded (traditional Chinese) and could not be read as Big5: "
                 "save it as UTF-8 CSV or as .xlsx")
UNKNOWN_ENCODING = _("the file's text encoding is not recognised: save it as UTF-8 CSV or as .xlsx")


def _decodes(sample: bytes, encoding: str) -> bool:
    """Whether the sample decodes, allowing a character cut at the sample's end."""
    try:
        codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _plausible_gb(sample: bytes) -> bool:
    """Whether GB-family double bytes look like Chinese text written in GB2312/GBK.

    Big5 text also decodes as GB18030 (their byte ranges overlap) but turns into garbage: Big5's common
    characters (lead bytes A4–C6, half of them with a trail byte below A1) land in GB's kana, Greek,
    box-drawing and unassigned rows or its rare extension characters. Real GB text is mostly hanzi
    (lead B0–F7, trail A1–FE) and full-width punctuation (lead A1–A3)."""
    pairs = _DOUBLE_BYTE.findall(sample)
    if not pairs:
        return True
    common = sum(1 for pair in pairs if pair[1] >= 0xA1 and (0xB0 <= pair[0] <= 0xF7 or pair[0] <= 0xA3))
    return common >= 0.8 * len(pairs)


def detect_encoding(sample: bytes) -> str:
    """The encoding of a text file from its first bytes: UTF-16/UTF-8 by BOM, UTF-8, GB18030, Big5.

    Raises SheetError when none fits, rather than importing garbled text."""
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if _decodes(sample, "utf-8"):
        return "utf-8"
    gb = _decodes(sample, "gb18030")
    if gb and _plausible_gb(sample):
        return "gb18030"
    if _decodes(sample, "big5"):
        return "big5"
    if gb:
        raise SheetError(BIG5_REFUSED)
    best = from_bytes(sample).best()
    if best is None or best.encoding in ("big5", "cp950"):
        raise SheetError(UNKNOWN_ENCODING)
    return best.encoding


def decode_text(data: bytes) -> str:
    """Bytes of a text file as str (see detect_encoding)."""
    return data.decode(detect_encoding(data[:SAMPLE_BYTES]))


def _csv_sheet(source) -> Sheet:
    owned = isinstance(source, str | os.PathLike)
    binary = open(source, "rb") if owned else source  # noqa: SIM115 - closed when the rows are done
    start = binary.tell()
    size = binary.seek(0, os.SEEK_END) - start
    binary.seek(start)
    sample = binary.read(SAMPLE_BYTES)
    binary.seek(start)
    encoding = detect_encoding(sample)
    head = codecs.getincrementaldecoder(encoding)(errors="replace").decode(sample[:65536], final=False)
    first_line = head.split("\n", 1)[0]
    # Excel's "Unicode text" export is tab-separated; everything else we see uses commas.
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    text = io.TextIOWrapper(binary, encoding=encoding, newline="")
    framed = _frame(_decoded_rows(csv.reader(text, delimiter=delimiter), text, owned), "csv")
    framed.fraction = lambda: _position(binary, start, size)
    return framed


def _position(binary, start: int, size: int) -> float | None:
    try:
        return min(1.0, (binary.tell() - start) / size) if size > 0 else None
    except (ValueError, OSError):  # closed
        return 1.0


def _decoded_rows(reader, text: io.TextIOWrapper, owned: bool) -> Iterator[list]:
    try:
        yield from reader
    except UnicodeDecodeError as exc:
        raise SheetError(_("the file's text encoding changes part-way through: save it as UTF-8 CSV or as .xlsx")
                         ) from exc
    except csv.Error as exc:
        raise SheetError(_("the CSV file is malformed: %(error)s"), {"error": str(exc)}) from exc
    finally:
        if owned:
            text.close()
        else:  # the caller's file object stays open
            text.detach()


# --- framing: title, header, data rows -----------------------------------------------------------------

def _filled(row: list) -> int:
    return sum(1 for v in row if not _blank(v))


def _blank(value) -> bool:
    return value is None or (value.__class__ is str and not value.strip())


def _is_empty(row: list) -> bool:
    for value in row:
        if value.__class__ is str:
            if value.strip():
                return False
        elif value is not None:
            return False
    return True


def _frame(raw_rows: Iterable[list], kind: str) -> Sheet:
    numbered = enumerate(raw_rows, start=1)
    leading = []  # non-empty rows read before the header was found: (number, row)
    for number, row in numbered:
        if _is_empty(row):
            continue
        leading.append((number, row))
        if _filled(row) > 1 or len(leading) > MAX_TITLE_ROWS:
            break
    if not leading:
        raise SheetError(_("the file is empty"))
    titles = [r for r in leading if _filled(r[1]) == 1]
    if len(titles) == len(leading):  # only single-cell rows: a one-column file, its first row is the header
        titles = []
    else:
        titles = titles[: len(leading) - 1]
    header_row, header_cells = leading[len(titles)]
    header = [v if isinstance(v, str) else cell_text(v) for v in header_cells]
    pending = leading[len(titles) + 1 :]
    title = " ".join(cell_text(v) for _number, row in titles for v in row if not _blank(v))
    return Sheet(header, header_row, _data_rows(pending, numbered, len(header)), title, kind)


def _data_rows(pending: list, numbered: Iterator, width: int) -> Iterator[tuple[int, list]]:
    for number, row in pending:
        yield number, _cells(row, width)
    for number, row in numbered:
        if not _is_empty(row):
            yield number, _cells(row, width)


def _cells(row: list, width: int) -> list:
    values = [None if v == "" else v for v in row]
    if len(values) < width:
        values.extend([None] * (width - len(values)))
    return values


# --- columns -----------------------------------------------------------------------------------------

def match_columns(header: list, spec: dict[str, list[str]]) -> tuple[dict[str, int], list[str]]:
    """Which column index holds each field of `spec` (field → aliases), and the unknown headers.

    Headers match aliases by normalize_header (case, width, spaces, bracketed units ignored). Fields not
    found are simply absent from the mapping: the caller decides what is required. Raises SheetError when
    two columns mean the same field, and ValueError when `spec` itself gives one alias to two fields.
    """
    alias_field = _alias_index(spec)
    mapping: dict[str, int] = {}
    ignored: list[str] = []
    for index, raw in enumerate(header):
        key = normalize_header(raw)
        if not key:
            continue  # unnamed columns (often stray formatting to the right) are neither data nor noise
        name = alias_field.get(key)
        if name is None:
            label = cell_text(raw)
            if label not in ignored:
                ignored.append(label)
        elif name in mapping:
            raise SheetError(
                _("columns %(first)s and %(second)s mean the same thing: keep one"),
                {"first": cell_text(header[mapping[name]]), "second": cell_text(raw)},
            )
        else:
            mapping[name] = index
    return mapping, ignored


def _alias_index(spec: dict[str, list[str]]) -> dict[str, str]:
    index: dict[str, str] = {}
    for name, aliases in spec.items():
        for alias in [name, *aliases]:
            key = normalize_header(alias)
            if index.setdefault(key, name) != name:
                raise ValueError(f"alias {alias!r} is given to both {index[key]!r} and {name!r}")
    return index


# --- writing -----------------------------------------------------------------------------------------

def write_rows_xlsx(path_or_file, header: list, rows: Iterable[list], sheet_name: str = "Sheet1") -> None:
    """Write a header and rows to an xlsx (a path or a binary file object), streaming row by row.

    Dates get a date format; the header is bold and frozen; columns get a width from the header.
    """
    target = os.fspath(path_or_file) if isinstance(path_or_file, str | os.PathLike) else path_or_file
    workbook = xlsxwriter.Workbook(target, {"constant_memory": True, "strings_to_numbers": False,
                                            "strings_to_formulas": False, "strings_to_urls": False})
    try:
        sheet = workbook.add_worksheet(sheet_name)
        bold = workbook.add_format({"bold": True})
        date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
        datetime_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        sheet.freeze_panes(1, 0)
        for col, title in enumerate(header):
            sheet.set_column(col, col, max(10, min(40, 2 * len(str(title)) + 2)))
        sheet.write_row(0, 0, [str(h) for h in header], bold)
        for number, row in enumerate(rows, start=1):
            for col, value in enumerate(row):
                _write_cell(sheet, number, col, value, date_format, datetime_format)
    finally:
        workbook.close()


def _write_cell(sheet, row: int, col: int, value, date_format, datetime_format) -> None:
    if value is None:
        return
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.replace(tzinfo=None)  # Excel has no time zones; the caller chose the local time
        sheet.write_datetime(row, col, value, datetime_format)
    elif isinstance(value, datetime.date):
        sheet.write_datetime(row, col, value, date_format)
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, int | float | Decimal):
        sheet.write_number(row, col, float(value) if isinstance(value, Decimal) else value)
    else:
        # Text stays text: "=..." must not become a formula (CSV/formula injection) nor "0516..." a number.
        sheet.write_string(row, col, str(value))
