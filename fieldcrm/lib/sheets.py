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
import itertools
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

import python_calamine
import xlsxwriter
from charset_normalizer import from_bytes
from django.utils.translation import gettext_lazy as _

from fieldcrm.lib.cleaning import CleanError, cell_text, normalize_header

if TYPE_CHECKING:
    import numpy as np

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


# --- CSV in column batches (for imports of millions of rows) ---------------------------------------------

CHUNK_BYTES = 8 << 20  # UTF-8 bytes parsed at a time: ~120k order lines; memory is ~10 times this
HEAD_BYTES = 1 << 20  # the title and header rows are looked for in the first megabyte
ROW_BATCH = 50_000  # rows per RowBatch when a stretch of the file is read row by row
_ARROW_NAMES = [f"f{i}" for i in range(1024)]


@dataclass
class ColumnBatch:
    """Consecutive data rows as columns: Arrow string arrays ("" for an empty cell), and each row's
    spreadsheet number. Only stretches where every line is one row of the same width come this way."""

    columns: list  # pyarrow.StringArray per column, as many as this stretch's rows have
    numbers: "np.ndarray"  # int64, the rows' numbers as Excel would show them

    def __len__(self) -> int:
        return len(self.numbers)

    def column(self, index: int):
        """Column `index`; a column the rows do not reach is all empty, as read_sheet pads it."""
        import pyarrow as pa

        if index < len(self.columns):
            return self.columns[index]
        return pa.array([""] * len(self.numbers), pa.string())

    def row(self, position: int, width: int) -> list:
        """The row at `position` the way read_sheet gives it (None for empty cells, padded to `width`)."""
        return _cells([c[position].as_py() for c in self.columns], width)


@dataclass
class RowBatch:
    """Data rows as read_sheet gives them: (row number, values)."""

    rows: list[tuple[int, list]]


@dataclass
class BatchedSheet:
    header: list[str]
    header_row: int
    batches: Iterator[ColumnBatch | RowBatch]
    title: str = ""
    fraction: Callable[[], float | None] = lambda: None


def read_csv_batches(path_or_file, filename: str | None = None) -> BatchedSheet | None:
    """A CSV file as batches of rows that say the same as read_sheet(): the same header, title rows, row
    numbers, empty rows skipped, cells as text. Regular stretches of the file (one row per line, every line
    as wide) are parsed by Arrow into ColumnBatches; from the first irregular stretch (a line break inside a
    quoted cell, a lone CR, a NUL, a row of another width) to the end, rows are parsed by the csv module
    into RowBatches. Returns None when the file is not a CSV read_sheet would read (use read_sheet).

    Files in GB18030, Big5 or UTF-16 are transcoded to UTF-8 as they are read.
    """
    name = filename or _source_name(path_or_file)
    extension = os.path.splitext(name)[1].lower()
    head = _peek(path_or_file, 8)
    if head.startswith((_ZIP_MAGIC, _OLE_MAGIC)) or extension in EXCEL_EXTENSIONS:
        return None
    if extension and extension not in TEXT_EXTENSIONS:
        return None
    owned = isinstance(path_or_file, str | os.PathLike)
    binary = open(path_or_file, "rb") if owned else path_or_file  # noqa: SIM115 - closed when the rows are done
    try:
        start = binary.tell()
        size = binary.seek(0, os.SEEK_END) - start
        binary.seek(start)
        sample = binary.read(SAMPLE_BYTES)
        binary.seek(start)
        encoding = detect_encoding(sample)
        blocks = _utf8_blocks(binary, encoding)
        first = next(blocks, b"")
        framed = _frame_head(first)
    except BaseException:
        if owned:
            binary.close()
        raise
    if framed is None:  # the header is not within the first block, or a one-column file: the row reader
        binary.seek(start)
        if owned:
            binary.close()
        return None
    header, header_row, title, offset, delimiter = framed
    batches = _batches(itertools.chain([first[offset:]], blocks), delimiter, header_row + 1, len(header), binary,
                       owned)
    return BatchedSheet(header, header_row, batches, title, lambda: _position(binary, start, size))


def _utf8_blocks(binary, encoding: str) -> Iterator[bytes]:
    """The file from its start as UTF-8 bytes, in blocks of about CHUNK_BYTES (BOM dropped). UTF-8 is
    checked as it goes and passed through; other encodings are decoded and encoded again."""
    decoder = codecs.getincrementaldecoder(encoding)()
    utf8 = encoding in ("utf-8", "utf-8-sig")
    first = True
    while True:
        raw = binary.read(CHUNK_BYTES)
        final = not raw
        try:
            text = decoder.decode(raw, final=final)
        except UnicodeDecodeError as exc:
            raise SheetError(_("the file's text encoding changes part-way through: save it as UTF-8 CSV or as "
                               ".xlsx")) from exc
        if utf8:
            block = raw[3:] if first and raw.startswith(codecs.BOM_UTF8) else raw
        else:
            block = text.encode("utf-8")
        first, raw, text = False, b"", ""  # not kept while the block is being used
        if block:
            yield block
        if final:
            return


class _Lines:
    """Lines of a text, the way a file opened with newline="" gives them to the csv module, counting
    the characters handed out."""

    def __init__(self, text: str):
        self.lines = iter(io.StringIO(text, newline=""))
        self.chars, self.exhausted = 0, False

    def __iter__(self):
        return self

    def __next__(self) -> str:
        try:
            line = next(self.lines)
        except StopIteration:
            self.exhausted = True
            raise
        self.chars += len(line)
        return line


def _frame_head(block: bytes):
    """(header, header row, title, byte offset of the first data line, delimiter) from the file's first
    block, by the same framing as read_sheet; None when that needs more than the block."""
    cut = block.rfind(b"\n", 0, HEAD_BYTES)
    if cut < 0:
        return None
    text = block[: cut + 1].decode("utf-8")
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    lines = _Lines(text)
    try:
        sheet = _frame(csv.reader(lines, delimiter=delimiter), "csv")
    except (csv.Error, SheetError):
        return None  # the row reader reports it
    # Past the block, or a one-column file (its rows are read while looking for the header).
    if lines.exhausted or _filled(sheet.header) <= 1:
        return None
    offset = len(text[: lines.chars].encode("utf-8"))
    return sheet.header, sheet.header_row, sheet.title, offset, delimiter


def _batches(blocks: Iterator[bytes], delimiter: str, number: int, width: int, binary,
             owned: bool) -> Iterator[ColumnBatch | RowBatch]:
    """The data lines after the header cut at line ends into chunks; `number` is the first data line's
    row number."""
    try:
        carry = b""
        while True:
            block = next(blocks, None)
            if block is None:
                chunk, carry = carry, b""
                if chunk and not chunk.endswith(b"\n"):
                    chunk += b"\n"
            else:
                carry += block
                cut = carry.rfind(b"\n")
                if cut < 0:
                    continue
                chunk, carry = carry[: cut + 1], carry[cut + 1 :]
            if chunk:
                parsed = _column_batch(chunk, delimiter, number)
                if parsed is None:  # irregular from here: the csv module reads the rest
                    rows = itertools.chain([chunk, carry], blocks)
                    yield from _row_batches(rows, delimiter, number, width)
                    return
                batch, lines = parsed
                number += lines
                chunk, parsed = b"", None  # not kept while the batch is being used
                if len(batch):
                    yield batch
            if block is None:
                return
    finally:
        if owned:
            binary.close()


def _column_batch(chunk: bytes, delimiter: str, number: int) -> tuple[ColumnBatch, int] | None:
    """The chunk's rows as columns, and how many lines it had; None when a line is not one row."""
    import numpy as np
    import pyarrow as pa
    from pyarrow import csv as arrow_csv

    if b"\x00" in chunk or chunk.count(b"\r") != chunk.count(b"\r\n"):
        return None  # the csv module refuses NULs; a lone CR ends a row there
    buf = np.frombuffer(chunk, np.uint8)
    ends = np.flatnonzero(buf == 10)
    starts = np.empty_like(ends)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    lengths = ends - starts
    if b"\r" in chunk:
        lengths -= (lengths > 0) & (buf[ends - 1] == 13)
    if b'"' in chunk:  # a line with an odd number of quotes opens a cell that goes on to the next line
        quotes = np.bincount(np.searchsorted(ends, np.flatnonzero(buf == 34)), minlength=len(ends))
        if (quotes & 1).any():
            return None
    numbers = number + np.flatnonzero(lengths > 0)
    try:
        table = arrow_csv.read_csv(
            pa.py_buffer(chunk),
            read_options=arrow_csv.ReadOptions(autogenerate_column_names=True, block_size=4 << 20,
                                                     use_threads=False),  # less memory and CPU than threads
            parse_options=arrow_csv.ParseOptions(delimiter=delimiter, newlines_in_values=False),
            convert_options=arrow_csv.ConvertOptions(
                column_types=dict.fromkeys(_ARROW_NAMES, pa.string()), strings_can_be_null=False,
                quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None  # rows of different widths
    if table.num_rows != len(numbers) or table.num_columns > len(_ARROW_NAMES):
        return None
    columns = [c.combine_chunks() if c.num_chunks != 1 else c.chunk(0) for c in table.columns]
    return ColumnBatch(columns, numbers.astype(np.int64)), len(ends)


def _row_batches(blocks: Iterable[bytes], delimiter: str, number: int, width: int) -> Iterator[RowBatch]:
    """UTF-8 blocks read by the csv module, rows numbered from `number`, as read_sheet numbers them."""
    rows: list[tuple[int, list]] = []
    reader = csv.reader(_text_lines(blocks), delimiter=delimiter)
    try:
        for offset, row in enumerate(reader):
            if not _is_empty(row):
                rows.append((number + offset, _cells(row, width)))
                if len(rows) >= ROW_BATCH:
                    yield RowBatch(rows)
                    rows = []
    except csv.Error as exc:
        raise SheetError(_("the CSV file is malformed: %(error)s"), {"error": str(exc)}) from exc
    if rows:
        yield RowBatch(rows)


def _text_lines(blocks: Iterable[bytes]) -> Iterator[str]:
    """Lines of UTF-8 blocks cut anywhere, as a file opened with newline="" gives them."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    pending = ""  # the text after the last line end seen (a CR at the very end may be half of a CR LF)
    for block in blocks:
        text = pending + decoder.decode(block)
        end = len(text) - 1 if text.endswith("\r") else len(text)
        cut = max(text.rfind("\n", 0, end), text.rfind("\r", 0, end))
        pending = text[cut + 1 :]
        yield from io.StringIO(text[: cut + 1], newline="")
    text = pending + decoder.decode(b"", final=True)
    if text:
        yield from io.StringIO(text, newline="")


def as_batches(sheet: Sheet) -> BatchedSheet:
    """A Sheet's rows as RowBatches, for code that reads batches."""

    def batches() -> Iterator[RowBatch]:
        rows = iter(sheet.rows)
        while batch := list(itertools.islice(rows, ROW_BATCH)):
            yield RowBatch(batch)

    return BatchedSheet(sheet.header, sheet.header_row, batches(), sheet.title, sheet.fraction)
