"""The machinery every spreadsheet import shares (customers, SKUs, later orders).

Flow: read the sheet → match headers to columns → clean every row (collecting every problem with its
row number, column and value) → compare with what is stored → write everything in one transaction, or
nothing. Subclasses say which columns exist, how a row is cleaned and how rows are written.
"""

import hashlib
import json
import pickle
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from fieldcrm.lib.cleaning import CleanError, fold_width
from fieldcrm.lib.sheets import SheetError, match_columns, read_sheet, write_rows_xlsx

# A header and nothing below it (所有行都是空的): said as such, never as "0 new".
NO_DATA = gettext_lazy("The file has no data rows: every row below the header is empty.")
Progress = Callable[[int, float | None], None]
PROGRESS_EVERY = 5000  # rows between progress reports


def _no_progress(rows: int, fraction: float | None) -> None:
    pass


@dataclass(frozen=True)
class Column:
    field: str
    aliases: tuple[str, ...]
    required: bool = False
    clean: Callable[[Any], Any] | None = None
    rule: str | Promise = ""  # what the import page says about the column's values


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
    # Rows rejected beyond those listed in `rejected` (a streaming import keeps at most MAX_REJECTIONS).
    unlisted_rejected_rows: int = 0
    header_ok: bool = True  # False when required columns are missing (then no row was read)

    @property
    def rejected_rows(self) -> int:
        return len({r.row for r in self.rejected}) + self.unlisted_rejected_rows

    @property
    def valid_rows(self) -> int:
        return self.new + self.updated + self.unchanged

    @property
    def no_data(self) -> bool:
        """A header and nothing under it: said as such, not as "0 new"."""
        return self.header_ok and self.total_rows == 0

    def as_json(self):
        return {
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": [r.as_dict() for r in self.rejected],
            "written": self.written,
        }


class _Clock:
    """Wall time per phase, for benchmarks and logs."""

    def __init__(self):
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name):
        now = time.perf_counter()
        self.laps[name] = round(now - self._last, 2)
        self._last = now


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
    key_field: str = ""  # the key among the cleaned attributes
    key_column: str = ""  # the key among the file's columns, when named differently
    kind: str = ""  # ImportRun.kind, and the upload form's choice
    label: str | Promise = ""  # what the upload form calls it

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

    def lookup_state(self):
        """Whatever besides the file decides how rows clean (e.g. which managers exist), as JSON-able data."""
        return None

    def lookup_fingerprint(self) -> str:
        """A digest of lookup_state() that is the same in every process: the confirm may be served by
        another worker than the preview (the built-in hash() of a string is salted per process)."""
        state = json.dumps(self.lookup_state(), sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(state.encode()).hexdigest()

    # --- the shared flow --------------------------------------------------------
    def run(self, source, filename=None, *, commit: bool, valid_only: bool = False, cache=None,
            progress: Progress | None = None) -> ImportResult:
        """Check (and with commit=True, write) a file. Raises ImportFileError, already in the user's
        language, when the file as a whole is unusable.

        `cache`: a path where a preview keeps its cleaned rows, so the confirming commit of the same
        staged file skips reading and cleaning again (unless the lookups changed in between).
        `progress(rows read, fraction of the file read or None)` is called every few thousand rows.
        """
        self.progress = progress or _no_progress
        with override(self.language):
            try:
                return self._run(source, filename, commit=commit, valid_only=valid_only, cache=cache)
            except SheetError as exc:
                raise ImportFileError(str(exc)) from exc

    def _run(self, source, filename, *, commit, valid_only, cache) -> ImportResult:
        clock = _Clock()
        checked = self._load_cache(cache) if cache and commit else None
        clock.lap("cache_load")
        if checked is None:
            checked = self._check_file(source, filename)
            clock.lap("file_checks")
            if checked["missing"]:
                return ImportResult(ignored_columns=checked["ignored"], rejected=checked["rejected"],
                                    header_ok=False)
            if cache and not commit:
                self._save_cache(cache, checked)
                clock.lap("cache_save")
        result = ImportResult(
            ignored_columns=checked["ignored"], rejected=list(checked["rejected"]), total_rows=checked["total"]
        )
        keyed_rows = self._check_against_database(checked["rows"], result)
        result.rejected.sort(key=lambda r: r.row)
        clock.lap("database_checks")
        if not result.rejected or valid_only:
            new_rows = [row for row, state in keyed_rows if state == "new"]
            updated_rows = [row for row, state in keyed_rows if state == "updated"]
            if commit and (new_rows or updated_rows):
                with transaction.atomic():
                    self.write(new_rows, updated_rows)
                result.written = True
                clock.lap("write")
        self.timings = clock.laps
        return result

    def _check_file(self, source, filename) -> dict:
        """Everything that depends on the file alone (and the lookups): headers, then each row cleaned."""
        sheet = read_sheet(source, filename=filename)
        spec = {c.field: list(c.aliases) for c in self.columns}
        mapping, ignored = match_columns(sheet.header, spec)
        self.headers = {f: display(sheet.header[i]) for f, i in mapping.items()}
        checked: dict[str, Any] = {"ignored": ignored, "rejected": [], "rows": [], "total": 0, "missing": False,
                   "headers": self.headers, "present": set(mapping)}
        missing = [c for c in self.columns if c.required and c.field not in mapping]
        for column in missing:
            checked["rejected"].append(
                Rejection(sheet.header_row, column.aliases[0], "", _("required column is missing"))
            )
        if missing:
            checked["missing"] = True
            return checked
        self.prepare(set(mapping))
        checked["fingerprint"] = self.lookup_fingerprint()
        self._clean_rows(sheet, mapping, checked)
        self.progress(checked["total"], 1.0)
        return checked

    def _clean_rows(self, sheet, mapping, checked):
        """Clean every row, then reject repeated keys in file order."""
        outcomes = (self._clean_one(number, values, mapping) for number, values in sheet.rows)
        key_rows: dict = {}
        for row_number, key_text, cleaned, problems in outcomes:
            checked["total"] += 1
            if checked["total"] % PROGRESS_EVERY == 0:
                self.progress(checked["total"], sheet.fraction())
            if key_text and key_text in key_rows:
                cleaned = None
                problems = [(self.key_field, _("repeats the key of row %(row)s") % {"row": key_rows[key_text]}, "")]
            elif key_text:
                key_rows[key_text] = row_number
            if cleaned is not None:
                checked["rows"].append((row_number, cleaned))
            for field_name, reason, value in problems:
                if not value and field_name == self.key_field:
                    value = key_text
                checked["rejected"].append(
                    Rejection(row_number, self.headers.get(field_name, field_name), value, str(reason))
                )

    def _clean_one(self, row_number, values, mapping):
        """(row number, key text, cleaned attributes or None, [(field, reason, value shown)])."""
        raw = {f: (values[i] if i < len(values) else None) for f, i in mapping.items()}
        key_text = fold_width(display(raw.get(self.key_column or self.key_field))).strip()
        problems = self._required_problems(raw)
        if not problems:
            try:
                return row_number, key_text, self.clean_row(raw), []
            except RowProblems as exc:
                problems = exc.problems
        return row_number, key_text, None, [(f, str(reason), display(raw.get(f))) for f, reason in problems]

    def _check_against_database(self, rows, result):
        """Rules that depend on what is stored: uniqueness against live records, new/updated/unchanged."""
        unique_seen: dict = {}
        keyed_rows = []
        for row_number, cleaned in rows:
            key = cleaned[self.key_field]
            problems = self.check_unique(key, cleaned, row_number, unique_seen)
            if problems:
                for field_name, reason in problems:
                    result.rejected.append(
                        Rejection(row_number, self.headers.get(field_name, field_name),
                                  display(cleaned.get(field_name)), str(reason))
                    )
                continue
            state = self.classify(key, cleaned)
            setattr(result, state, getattr(result, state) + 1)
            keyed_rows.append((cleaned, state))
        return keyed_rows

    def _save_cache(self, path, checked):
        # Rows go out as value tuples plus one shared key list: half the size and time of pickled dicts.
        layouts: dict[tuple, int] = {}
        packed = []
        for row_number, cleaned in checked["rows"]:
            layout = layouts.setdefault(tuple(cleaned), len(layouts))
            packed.append((row_number, layout, tuple(cleaned.values())))
        with open(path, "wb") as handle:
            pickle.dump({**checked, "rows": packed, "layouts": list(layouts)}, handle,
                        protocol=pickle.HIGHEST_PROTOCOL)

    def _load_cache(self, path):
        """The preview's cleaned rows, if they are still valid; the lookups are reloaded either way."""
        try:
            with open(path, "rb") as handle:
                checked = pickle.load(handle)  # noqa: S301 - our own file in DATA_DIR, written by the preview
        except (OSError, pickle.UnpicklingError, EOFError):
            return None
        self.prepare(checked["present"])
        if checked.get("fingerprint") != self.lookup_fingerprint():
            return None
        self.headers = checked["headers"]
        layouts = checked.pop("layouts")
        checked["rows"] = [
            (row_number, dict(zip(layouts[layout], values, strict=True)))
            for row_number, layout, values in checked["rows"]
        ]
        return checked

    def _required_problems(self, raw) -> list[tuple[str, str]]:
        return [
            (c.field, _("a value is required"))
            for c in self.columns
            if c.required and is_blank(raw.get(c.field))
        ]

    def clean_columns(self, raw: dict) -> tuple[dict, list[tuple[str, str]]]:
        """Run each present column's own cleaner; blank optional cells become None."""
        cleaned: dict[str, Any] = {}
        problems: list[tuple[str, str]] = []
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
