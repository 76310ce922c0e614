"""The machinery every spreadsheet import shares (customers, SKUs, later orders).

Flow: read the sheet → match headers to columns → clean every row (collecting every problem with its
row number, column and value) → compare with what is stored → write everything in one transaction, or
nothing. Subclasses say which columns exist, how a row is cleaned and how rows are written.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import override

from fieldcrm.lib.cleaning import CleanError
from fieldcrm.lib.sheets import SheetError, match_columns, read_sheet, write_rows_xlsx


@dataclass(frozen=True)
class Column:
    field: str
    aliases: tuple[str, ...]
    required: bool = False
    clean: Callable[[Any], Any] | None = None


@dataclass
class Rejection:
    row: int
    column: str
    value: str
    reason: str

    def as_dict(self):
        return {"row": self.row, "column": self.column, "value": self.value, "reason": self.reason}


@dataclass
class ImportResult:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    written: bool = False
    total_rows: int = 0

    @property
    def rejected_rows(self) -> int:
        return len({r.row for r in self.rejected})

    def as_json(self):
        return {
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": [r.as_dict() for r in self.rejected],
        }


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (unreadable, no header, two columns for one field)."""


class RowProblems(Exception):
    """Raised by clean_row with every (field, reason) wrong in one row."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__(problems)
        self.problems = problems


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def display(value) -> str:
    """A cell's value as the user typed it, for error reports."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class SheetImport:
    columns: list[Column] = []
    key_field: str = ""
    kind: str = ""

    def __init__(self, user, language: str = "zh-hans"):
        self.user = user
        self.language = language

    # --- hooks for subclasses -------------------------------------------------
    def prepare(self, present_fields: set[str]):
        """Load lookups (managers, territories, existing keys) once, before the rows."""

    def clean_row(self, raw: dict) -> dict:
        """Clean one row: raw field → value in, model attributes out; raise RowProblems."""
        raise NotImplementedError

    def check_unique(self, key, cleaned: dict, row_number: int, seen: dict) -> list[tuple[str, str]]:
        """Cross-row rules beyond the key (e.g. licence numbers); returns problems."""
        return []

    def classify(self, key, cleaned: dict) -> str:
        """'new', 'updated' or 'unchanged' against what is stored."""
        raise NotImplementedError

    def write(self, new_rows: list[dict], updated_rows: list[dict]):
        raise NotImplementedError

    # --- the shared flow --------------------------------------------------------
    def run(self, source, filename=None, *, commit: bool, valid_only: bool = False) -> ImportResult:
        """Raises ImportFileError (message already in the user's language) when the file is unusable."""
        with override(self.language):
            try:
                return self._run(source, filename, commit=commit, valid_only=valid_only)
            except SheetError as exc:
                raise ImportFileError(str(exc)) from exc

    def _run(self, source, filename, *, commit, valid_only) -> ImportResult:
        result = ImportResult()
        sheet = read_sheet(source, filename=filename)
        spec = {c.field: list(c.aliases) for c in self.columns}
        mapping, ignored = match_columns(sheet.header, spec)
        result.ignored_columns = ignored
        headers = {f: display(sheet.header[i]) for f, i in mapping.items()}
        self.headers = headers
        missing = [c for c in self.columns if c.required and c.field not in mapping]
        for column in missing:
            result.rejected.append(
                Rejection(sheet.header_row, column.aliases[0], "", _("required column is missing"))
            )
        if missing:
            return result
        self.prepare(set(mapping))
        keyed_rows = self._clean_rows(sheet, mapping, result)
        if result.rejected and not valid_only:
            return result
        new_rows = [row for row, state in keyed_rows if state == "new"]
        updated_rows = [row for row, state in keyed_rows if state == "updated"]
        if commit and (new_rows or updated_rows):
            with transaction.atomic():
                self.write(new_rows, updated_rows)
            result.written = True
        return result

    def _clean_rows(self, sheet, mapping, result):
        key_rows: dict = {}
        unique_seen: dict = {}
        keyed_rows = []
        for row_number, values in sheet.rows:
            result.total_rows += 1
            raw = {f: (values[i] if i < len(values) else None) for f, i in mapping.items()}
            problems = self._required_problems(raw)
            cleaned = None
            if not problems:
                try:
                    cleaned = self.clean_row(raw)
                except RowProblems as exc:
                    problems = exc.problems
            if not problems:
                key = cleaned[self.key_field]
                if key in key_rows:
                    problems = [
                        (self.key_field, _("repeats the key of row %(row)s") % {"row": key_rows[key]})
                    ]
                else:
                    problems = self.check_unique(key, cleaned, row_number, unique_seen)
            if problems:
                for field_name, reason in problems:
                    result.rejected.append(
                        Rejection(
                            row_number,
                            self.headers.get(field_name, field_name),
                            display(raw.get(field_name)),
                            str(reason),
                        )
                    )
                continue
            key_rows[key] = row_number
            state = self.classify(key, cleaned)
            setattr(result, state, getattr(result, state) + 1)
            keyed_rows.append((cleaned, state))
        return keyed_rows

    def _required_problems(self, raw) -> list[tuple[str, str]]:
        return [
            (c.field, _("a value is required"))
            for c in self.columns
            if c.required and is_blank(raw.get(c.field))
        ]

    def clean_columns(self, raw: dict) -> tuple[dict, list[tuple[str, str]]]:
        """Run each present column's own cleaner; blank optional cells become None."""
        cleaned, problems = {}, []
        for column in self.columns:
            if column.field not in raw:
                continue
            value = raw[column.field]
            if is_blank(value):
                cleaned[column.field] = None
                continue
            if column.clean is None:
                cleaned[column.field] = value
                continue
            try:
                cleaned[column.field] = column.clean(value)
            except CleanError as exc:
                problems.append((column.field, str(exc)))
        return cleaned, problems


def write_rejection_report(path_or_file, result: ImportResult, language: str = "zh-hans"):
    """The rejected rows as xlsx, for the user to fix and re-import."""
    with override(language):
        header = [_("Row"), _("Column"), _("Value"), _("Reason")]
        rows = [[r.row, r.column, r.value, r.reason] for r in result.rejected]
        write_rows_xlsx(path_or_file, [str(h) for h in header], rows)
