"""Import of order lines (the shared contract's Orders: key 订单号 + 卷烟编码), streamed.

A city has ~40M order lines a year and weekly files of ~800k lines, so nothing here holds the file's rows:

1. *one pass over the file*: a CSV comes in batches (lib/sheets.read_csv_batches). Regular stretches are
   Arrow columns: distinct dates, codes, quantities and prices are cleaned once each, plain order numbers
   and amounts in bulk, and rows whose every cell passed are staged as a table (_read_columns); every
   other row — and every row of an xlsx or of an irregular CSV stretch — is cleaned by the row path
   (_row_cleaner) against dicts of customer and SKU ids, memoised dates, prices and costs. Rows go to a
   staging table — COPY on PostgreSQL, executemany on SQLite — with a flag saying whether they are valid;
   only the rejected rows' problems stay in memory (at most MAX_REJECTIONS of them listed, the rest
   counted);
2. *checks in SQL*: repeated keys (the later row is rejected naming the first, as the other imports do),
   then new / updated / unchanged against `sales_orderline` by a join on the key;
3. *the write*, in SQL from the staging table: the previous values of changed lines into
   `OrderLineChange` (source "import"), the changed lines updated, the new ones inserted.

A commit runs all three in one transaction, so "nothing half-way" holds; a preview runs 1–2 outside any
transaction (on SQLite a transaction would hold the database's write lock for the whole read) and drops
the staging table. `unit_cost` is the SKU's allocation price (purchase_cost) in force at the end of the
order date, from the SKU's simple-history records; when no record reaches back that far, today's price.
"""

import csv
import datetime
import io
from bisect import bisect_left
from decimal import Decimal, InvalidOperation

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pyarrow import csv as arrow_csv

from fieldcrm.catalog.models import Sku
from fieldcrm.customers.models import Customer
from fieldcrm.imports.flow import Column, ImportResult, Rejection, SheetImport, _Clock, display
from fieldcrm.lib import cleaning
from fieldcrm.lib.cleaning import CleanError
from fieldcrm.lib.sheets import ColumnBatch, _is_empty, as_batches, match_columns, read_csv_batches, read_sheet
from fieldcrm.org.models import Company
from fieldcrm.sales import stockouts, tasks
from fieldcrm.sales.models import OrderLine, OrderLineChange

MAX_REJECTIONS = 100_000  # problems listed (and reported in the xlsx); rows beyond are counted only
BATCH = 10_000  # rows per COPY write / executemany
ORDER_NO_MAX = OrderLine._meta.get_field("order_no").max_length or 40
QUANTITY_MAX = 2_147_483_647  # PositiveIntegerField
PRICE_MAX = Decimal("99999999.99")  # max_digits 10
AMOUNT_MAX = Decimal("999999999999.99")  # max_digits 14
CENT = Decimal("0.01")
STAGE = "import_order_stage"
DUPLICATES = "import_order_repeats"
MATCHED = "import_order_matched"  # the valid staged rows whose line exists: (row_no, line_id, changed)

COLUMNS = [
    Column("order_date", ("订单日期", "order_date", "order date", "日期", "订货日期"), True, None,
           gettext_lazy("a date: 2026-01-05, 2026/1/5, 2026年1月5日 or an Excel date")),
    Column("order_no", ("订单号", "order_no", "order no", "订单编号"), True, None,
           gettext_lazy("at most 40 characters; with 卷烟编码 the line's key")),
    Column("customer_code", ("客户编码", "customer_code", "customer code", "客户代码"), True, None,
           gettext_lazy("an existing customer's code")),
    Column("sku_code", ("卷烟编码", "商品编码", "sku_code", "sku code"), True, None,
           gettext_lazy("an existing SKU's code")),
    Column("quantity", ("订货量", "订购量", "quantity", "数量"), True, None,
           gettext_lazy("条, a whole number above 0")),
    Column("unit_price", ("单价", "unit_price", "unit price", "价格"), True, None,
           gettext_lazy("元/条, 0 or more")),
    Column("amount", ("金额", "amount", "订货金额"), True, None,
           gettext_lazy("元, quantity × unit price (within 0.01)")),
]
FIELDS = [c.field for c in COLUMNS]
REQUIRED = gettext_lazy("a value is required")
# Cells the bulk path takes as they are: what _text and _decimal would leave unchanged (RE2 syntax).
PLAIN_ORDER_NO = rf"^[!-~]{{1,{ORDER_NO_MAX}}}$"
PLAIN_AMOUNT = r"^[0-9]{1,12}(\.[0-9]{1,2})?$"
STAGE_COLUMNS = ("row_no", "order_no", "sku_code", "ok", "customer_id", "sku_id", "order_date", "quantity",
                 "unit_price", "amount", "unit_cost")


def _text(value) -> str:
    """A key cell as text: trimmed, full-width folded, 12.0 → "12"."""
    if value.__class__ is str:
        text = value.strip()
        return text if text.isascii() else cleaning.fold_width(text)
    return cleaning.cell_text(value)


def _decimal(value) -> Decimal:
    if value.__class__ is str:
        try:
            number = Decimal(value)
        except InvalidOperation:
            return cleaning.parse_decimal(value)  # "1,234.50", "¥12", "12元" … or its CleanError
        if number.is_finite():
            return number
        raise CleanError(gettext_lazy("not a number"))
    return cleaning.parse_decimal(value)


def _quantity(value) -> int:
    if value.__class__ is str and value.isdigit():
        number = int(value)
    else:
        number = cleaning.parse_int(value)
    if number <= 0:
        raise CleanError(gettext_lazy("the quantity must be a whole number of 条 above 0"))
    if number > QUANTITY_MAX:
        raise CleanError(gettext_lazy("the quantity is too large"))
    return number


def _price(value) -> Decimal:
    price = _decimal(value)
    if price < 0:
        raise CleanError(gettext_lazy("a price cannot be negative"))
    if price > PRICE_MAX:
        raise CleanError(gettext_lazy("the price is too large"))
    return price.quantize(CENT)


class _Memo(dict):
    """value → cleaned value or the CleanError it raised, for cells that repeat (dates, prices); cleared
    when it grows past `limit` so a file of all-different values cannot fill memory."""

    def __init__(self, clean, limit=50_000):
        super().__init__()
        self.clean, self.limit = clean, limit

    def __missing__(self, key):
        if len(self) >= self.limit:
            self.clear()
        try:
            value = self.clean(key)
        except CleanError as exc:
            value = exc
        self[key] = value
        return value


class _Distinct(dict):
    """A cell's text → its cleaned columns (a tuple), for the bulk path; cleared past `limit` entries."""

    def __init__(self, clean, limit=100_000):
        super().__init__()
        self.clean, self.limit = clean, limit

    def __missing__(self, key):
        if len(self) >= self.limit:
            self.clear()
        value = self[key] = self.clean(key)
        return value


_NUMPY_TYPES = {pa.int8(): np.int8, pa.int32(): np.int32, pa.int64(): np.int64, pa.float64(): np.float64}


def _numpy(array) -> np.ndarray:
    """A null-free Arrow array of numbers or flags as numpy, read from its buffer: Array.to_numpy() would
    import pandas (100 MB) for this."""
    if pa.types.is_boolean(array.type):
        return _numpy(array.cast(pa.int8())).astype(bool)
    return np.frombuffer(array.buffers()[1], _NUMPY_TYPES[array.type], len(array), array.offset)


def _distinct(array, memo: _Distinct, width: int):
    """(each row's index among the column's distinct values, the cleaned columns of those values: numpy
    arrays for numbers and flags, lists for text)."""
    encoded = pc.dictionary_encode(array)
    at = _numpy(encoded.indices)
    results = [memo[v] for v in encoded.dictionary.to_pylist()]
    columns = tuple(list(c) if isinstance(c[0], str) else np.array(c) for c in zip(*results, strict=True))
    return at, columns


def _iso_date(value) -> str:
    return cleaning.parse_date(value).isoformat()


class OrderImport(SheetImport):
    columns = COLUMNS
    key_field = "order_no"
    kind = "orders"
    label = gettext_lazy("Orders")
    bulk = True  # regular CSV stretches as Arrow columns (False: every row through the row path)

    def prepare(self, present_fields):
        self.customers = dict(Customer.objects.values_list("customer_code", "pk").iterator(chunk_size=20_000))
        self.skus = {}
        self.current_cost = {}
        for pk, code, cost in Sku.objects.values_list("pk", "code", "purchase_cost"):
            self.skus[code] = pk
            self.current_cost[pk] = cost
        self.cost_history: dict[int, tuple[list, list]] = {}
        history = Sku.history.model.objects.order_by("id", "history_date", "history_id")
        for pk, at, cost in history.values_list("id", "history_date", "purchase_cost"):
            dates, costs = self.cost_history.setdefault(pk, ([], []))
            dates.append(at)
            costs.append(cost)
        self.costs: dict[tuple[int, str], Decimal] = {}
        self.dates, self.prices = _Memo(_iso_date), _Memo(_price)
        self.sku_memo = _Distinct(self._sku_cells)
        self.customer_memo = _Distinct(self._customer_cells)
        self.date_memo = _Distinct(self._date_cells)
        self.quantity_memo = _Distinct(self._quantity_cells)
        self.price_memo = _Distinct(self._price_cells)

    # The bulk path's view of one distinct cell text ("" is an empty cell), by the row path's functions.
    def _sku_cells(self, raw: str) -> tuple[int, str]:
        code = _text(raw) if raw else ""
        return self.skus.get(code, -1), code

    def _customer_cells(self, raw: str) -> tuple[int]:
        return (self.customers.get(_text(raw) if raw else "", -1),)

    def _date_cells(self, raw: str) -> tuple[bool, str]:
        iso = self.dates[raw] if raw else None
        return (True, iso) if isinstance(iso, str) else (False, "")

    def _quantity_cells(self, raw: str) -> tuple[int]:
        try:
            return (_quantity(raw) if raw else -1,)
        except CleanError:
            return (-1,)

    def _price_cells(self, raw: str) -> tuple[int, str]:
        price = self.prices[raw] if raw else None
        if isinstance(price, Decimal):
            return int(price * 100), str(price)
        return -1, ""

    def unit_cost(self, sku_id: int, iso_date: str) -> Decimal:
        """The SKU's allocation price at the end of the order date (Asia/Shanghai)."""
        key = (sku_id, iso_date)
        cost = self.costs.get(key)
        if cost is None:
            day = datetime.date.fromisoformat(iso_date) + datetime.timedelta(days=1)
            cutoff = timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
            dates, costs = self.cost_history.get(sku_id, ([], []))
            index = bisect_left(dates, cutoff) - 1
            cost = costs[index] if index >= 0 else self.current_cost[sku_id]
            if len(self.costs) > 200_000:
                self.costs.clear()
            self.costs[key] = cost
        return cost

    # --- the streaming flow (replaces the shared in-memory one) ------------------------------------------
    def _run(self, source, filename, *, commit, valid_only, cache) -> ImportResult:
        sheet = (self.bulk and read_csv_batches(source, filename)) or as_batches(read_sheet(source, filename=filename))
        mapping, ignored = match_columns(sheet.header, {c.field: list(c.aliases) for c in COLUMNS})
        self.headers = {f: display(sheet.header[i]) for f, i in mapping.items()}
        result = ImportResult(ignored_columns=ignored)
        missing = [c for c in COLUMNS if c.field not in mapping]
        if missing:
            result.header_ok = False
            result.rejected = [Rejection(sheet.header_row, c.aliases[0], "", _("required column is missing"))
                               for c in missing]
            return result
        self.prepare(set(mapping))
        self.result, self.stage, self._last_unlisted = result, _Stage(), 0
        self.clock = _Clock()
        if commit:
            with transaction.atomic():
                self._check(sheet, mapping)
                if result.valid_rows and (valid_only or not result.rejected_rows):
                    touched = self.stage.touched() if result.new or result.updated else None
                    self.stage.write(self.user.pk, timezone.now(), updates=bool(result.updated))
                    result.written = bool(result.new or result.updated)
                    if touched:
                        transaction.on_commit(lambda: after_import(*touched))
                    self.clock.lap("write")
                self.stage.drop()
            self.clock.lap("commit")
        else:
            try:
                self._check(sheet, mapping)
            finally:
                self.stage.drop()
        result.rejected.sort(key=lambda r: r.row)
        self.timings = self.clock.laps
        return result

    def _check(self, sheet, mapping):
        self.stage.create()
        self._read(sheet, mapping)
        self.stage.loaded()
        self.clock.lap("read_and_stage")
        self._reject_repeats()
        self.clock.lap("repeated_keys")
        self.result.new, self.result.updated, self.result.unchanged = self.stage.classify()
        self.clock.lap("classify")

    def _reject(self, row, field, value, reason):
        result = self.result
        if len(result.rejected) < MAX_REJECTIONS:
            result.rejected.append(Rejection(row, self.headers[field], display(value), str(reason)))
        elif self._last_unlisted != row:  # beyond the list: counted once per row
            result.unlisted_rejected_rows += 1
            self._last_unlisted = row

    def _read(self, sheet, mapping):
        """Every data row cleaned and staged. Regular CSV stretches come as columns (ColumnBatch): a row
        whose cells are all plainly fine is cleaned in bulk; every other row — and every row of an xlsx or
        of an irregular CSV stretch — goes through _row_cleaner, whose verdicts the bulk path only repeats."""
        clean_row = self._row_cleaner(mapping)
        width = len(sheet.header)
        progress = self.progress
        total = 0
        for batch in sheet.batches:
            if isinstance(batch, ColumnBatch):
                total += self._read_columns(batch, mapping, clean_row, width)
            else:
                for number, values in batch.rows:
                    clean_row(number, values)
                total += len(batch.rows)
            progress(total, sheet.fraction())
        self.result.total_rows = total
        progress(total, 1.0)

    def _row_cleaner(self, mapping):  # noqa: C901 - one row's rules, kept flat for speed
        """The rules for one row (number, values as read_sheet gives them): staged, or rejected with every
        problem named."""
        i_date, i_no, i_customer, i_sku, i_quantity, i_price, i_amount = (mapping[f] for f in FIELDS)
        customers, skus, unit_cost = self.customers, self.skus, self.unit_cost
        dates, prices = self.dates, self.prices
        add, reject = self.stage.add, self._reject

        def clean_row(number, values):
            ok = True
            raw_no, raw_sku = values[i_no], values[i_sku]
            order_no = _text(raw_no) if raw_no is not None else ""
            sku_code = _text(raw_sku) if raw_sku is not None else ""
            if not order_no:
                ok = False
                reject(number, "order_no", raw_no, REQUIRED)
            elif len(order_no) > ORDER_NO_MAX:
                ok = False
                reject(number, "order_no", raw_no, _("at most %(max)s characters (this has %(len)s)")
                       % {"max": ORDER_NO_MAX, "len": len(order_no)})
            sku_id = skus.get(sku_code)
            if sku_id is None:
                ok = False
                reject(number, "sku_code", raw_sku, _("no SKU has this code") if sku_code else REQUIRED)
            raw = values[i_customer]
            customer_id = customers.get(_text(raw) if raw is not None else "")
            if customer_id is None:
                ok = False
                reject(number, "customer_code", raw, _("no customer has this code") if raw is not None else REQUIRED)
            raw = values[i_date]
            iso = dates[raw] if raw is not None else None
            if iso is None or isinstance(iso, CleanError):
                ok = False
                reject(number, "order_date", raw, iso or REQUIRED)
            raw = values[i_quantity]
            try:
                quantity = _quantity(raw) if raw is not None else None
            except CleanError as exc:
                quantity = None
                reject(number, "quantity", raw, exc)
            if quantity is None:
                ok = False
                if raw is None:
                    reject(number, "quantity", raw, REQUIRED)
            raw = values[i_price]
            price = prices[raw] if raw is not None else None
            if price is None or isinstance(price, CleanError):
                ok = False
                reject(number, "unit_price", raw, price or REQUIRED)
                price = None
            raw = values[i_amount]
            amount = None
            if raw is None:
                ok = False
                reject(number, "amount", raw, REQUIRED)
            else:
                try:
                    amount = _decimal(raw)
                    if amount < 0 or amount > AMOUNT_MAX:
                        raise CleanError(gettext_lazy("the amount is out of range"))
                except CleanError as exc:
                    ok = False
                    amount = None
                    reject(number, "amount", raw, exc)
            if amount is not None and quantity is not None and price is not None:
                expected = quantity * price
                if abs(expected - amount) > CENT:
                    ok = False
                    reject(number, "amount", raw, _("is not quantity × unit price (%(expected)s)")
                           % {"expected": expected})
            if ok:  # every value is set when the row is valid
                add(number, order_no, sku_code, customer_id, sku_id, iso, quantity, price,
                    amount.quantize(CENT), unit_cost(sku_id, iso))  # type: ignore[union-attr, arg-type]
            elif order_no and sku_code:  # kept for the repeated-key check only
                add(number, order_no, sku_code, None, None, None, None, None, None, None)

        return clean_row

    def _read_columns(self, batch: ColumnBatch, mapping, clean_row, width: int) -> int:
        """Stage a ColumnBatch; returns how many of its rows are not empty.

        Columns with few distinct values (dates, codes, quantities, prices) are cleaned one distinct value
        at a time by the row path's own functions. Order numbers and amounts take the bulk path only when
        plain (printable ASCII without spaces; digits with at most two decimals), which the row path would
        take as they are. A row is staged here only when every cell passed; any other row — wrong, odd or
        empty — goes to clean_row, so every verdict and message is the row path's."""
        column = batch.column
        i_date, i_no, i_customer, i_sku, i_quantity, i_price, i_amount = (mapping[f] for f in FIELDS)
        sku_at, (sku_ids, sku_texts) = _distinct(column(i_sku), self.sku_memo, 2)
        customer_at, (customer_ids,) = _distinct(column(i_customer), self.customer_memo, 1)
        date_at, (date_ok, isos) = _distinct(column(i_date), self.date_memo, 2)
        quantity_at, (quantities,) = _distinct(column(i_quantity), self.quantity_memo, 1)
        price_at, (price_cents, price_texts) = _distinct(column(i_price), self.price_memo, 2)
        order_nos, amounts = column(i_no), column(i_amount)
        amount_plain = _numpy(pc.match_substring_regex(amounts, PLAIN_AMOUNT))
        amount_cents = pc.round(pc.multiply(pc.cast(pc.if_else(amount_plain, amounts, "0"),
                                                    pa.decimal128(14, 2)).cast(pa.float64()), 100))
        amount_cents = _numpy(amount_cents).astype(np.int64)
        quantity = quantities[quantity_at]
        expected = quantity * np.where(quantity <= 100_000_000, price_cents[price_at], 0)
        ok = ((sku_ids[sku_at] >= 0) & (customer_ids[customer_at] >= 0) & date_ok[date_at] & (quantity > 0)
              & (price_cents[price_at] >= 0) & (quantity <= 100_000_000) & amount_plain
              & (np.abs(expected - amount_cents) <= 1)
              & _numpy(pc.match_substring_regex(order_nos, PLAIN_ORDER_NO)))
        staged = int(ok.sum())
        if staged:
            self._stage_columns(batch, ok, order_nos, amounts, sku_at, sku_ids, sku_texts, customer_at,
                                customer_ids, date_at, isos, quantity, price_at, price_texts)
        rows = staged
        for position in np.flatnonzero(~ok).tolist():
            values = batch.row(position, width)
            if not _is_empty(values):
                clean_row(int(batch.numbers[position]), values)
                rows += 1
        return rows

    def _stage_columns(self, batch, ok, order_nos, amounts, sku_at, sku_ids, sku_texts, customer_at,
                       customer_ids, date_at, isos, quantity, price_at, price_texts):
        """The rows flagged `ok` to the staging table, with each (SKU, date)'s unit cost looked up once."""
        take = pa.array(np.flatnonzero(ok))
        sku_at, date_at = sku_at[ok], date_at[ok]
        pairs = sku_at.astype(np.int64) * len(isos) + date_at
        distinct, cost_at = np.unique(pairs, return_inverse=True)
        costs = pa.array([str(self.unit_cost(int(sku_ids[p // len(isos)]), isos[p % len(isos)]))
                          for p in distinct.tolist()], pa.string())
        self.stage.add_table(pa.table({
            "row_no": pa.array(batch.numbers[ok]),
            "order_no": order_nos.take(take),
            "sku_code": pa.array(sku_texts, pa.string()).take(pa.array(sku_at)),
            "ok": pa.array(np.ones(len(sku_at), np.int8)),
            "customer_id": pa.array(customer_ids[customer_at[ok]]),
            "sku_id": pa.array(sku_ids[sku_at]),
            "order_date": pa.array(isos, pa.string()).take(pa.array(date_at)),
            "quantity": pa.array(quantity[ok]),
            "unit_price": pa.array(price_texts, pa.string()).take(pa.array(price_at[ok])),
            "amount": amounts.take(take),
            "unit_cost": costs.take(pa.array(cost_at.ravel())),
        }))

    def _reject_repeats(self):
        """A key seen on an earlier row rejects the later row, naming the first (even when the first was
        itself rejected), as the shared flow does."""
        for row, first, order_no, sku_code in self.stage.repeats():
            self._reject(row, "order_no", f"{order_no} / {sku_code}",
                         _("repeats the key of row %(row)s") % {"row": first})


def after_import(months: set[str], company_ids: set[int]) -> None:
    """Once the lines are committed: the analytics copy of the months written, and the out-of-stock risks."""
    tasks.refresh_after_import(sorted(months))
    for company in Company.objects.filter(pk__in=company_ids):
        stockouts.refresh_after_import(company)


def _differs(line: str) -> str:
    """SQL: the stored line `line` differs from the staged row `s`."""
    return "(" + " OR ".join(f"{line}.{c} <> s.{c}" for c in (
        "customer_id", "order_date", "quantity", "unit_price", "amount", "unit_cost")) + ")"


class _Stage:
    """The staging table of one import run (a temporary table: this connection's only)."""

    def __init__(self):
        self.postgres = connection.vendor == "postgresql"
        self.batch: list = []
        self.copy_context = self.copy = None

    def create(self):
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
            cursor.execute(f"DROP TABLE IF EXISTS {DUPLICATES}")
            cursor.execute(f"DROP TABLE IF EXISTS {MATCHED}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {STAGE} (row_no integer NOT NULL, order_no varchar(200) NOT NULL, "
                "sku_code varchar(200) NOT NULL, ok smallint NOT NULL, customer_id bigint, sku_id bigint, "
                "order_date date, quantity bigint, unit_price numeric(10, 2), amount numeric(14, 2), "
                "unit_cost numeric(10, 2))"
            )
            if self.postgres:
                # Sorting and hashing a weekly file's keys in memory rather than in temporary files.
                cursor.execute("SET work_mem = '256MB'")
        if self.postgres:
            self.cursor = connection.cursor()
            self.copy_context = self.cursor.cursor.copy(
                f"COPY {STAGE} ({', '.join(STAGE_COLUMNS)}) FROM STDIN (FORMAT csv)"
            )
            self.copy = self.copy_context.__enter__()

    def add(self, row, order_no, sku_code, customer_id, sku_id, iso, quantity, price, amount, cost):
        """One row from the row path (customer_id None: a rejected row kept for the repeated-key check)."""
        self.batch.append((row, order_no, sku_code, 0 if customer_id is None else 1, customer_id, sku_id, iso,
                           quantity, None if price is None else str(price),
                           None if amount is None else str(amount), None if cost is None else str(cost)))
        if len(self.batch) >= BATCH:
            self._flush()

    def add_table(self, table: pa.Table):
        """Rows from the bulk path: an Arrow table of STAGE_COLUMNS, money as text."""
        if self.postgres:
            for piece in table.to_batches(max_chunksize=BATCH):
                out = io.BytesIO()
                arrow_csv.write_csv(piece, out, arrow_csv.WriteOptions(include_header=False))
                self.copy.write(out.getbuffer())  # type: ignore[union-attr]
        else:
            with connection.cursor() as cursor:
                cursor.executemany(self.INSERT, list(zip(*(c.to_pylist() for c in table.columns), strict=True)))

    INSERT = f"INSERT INTO {STAGE} VALUES ({', '.join(['%s'] * len(STAGE_COLUMNS))})"  # noqa: S608

    def _flush(self):
        if not self.batch:
            return
        if self.postgres:
            # CSV: None is an unquoted empty field, which COPY reads as NULL (no staged text is empty).
            out = io.StringIO()
            csv.writer(out, lineterminator="\n").writerows(self.batch)
            self.copy.write(out.getvalue())  # type: ignore[union-attr]
        else:
            with connection.cursor() as cursor:
                cursor.executemany(self.INSERT, self.batch)
        self.batch = []

    def loaded(self):
        self._flush()
        if self.postgres:
            self.copy_context.__exit__(None, None, None)  # type: ignore[union-attr]
            self.copy_context = None
            self.cursor.close()
            with connection.cursor() as cursor:  # temporary tables get no statistics otherwise
                cursor.execute(f"ANALYZE {STAGE}")

    def drop(self):
        if self.copy_context is not None:  # an error while reading: end the COPY so the connection is usable
            try:
                self.copy_context.__exit__(None, None, None)
            except Exception:  # noqa: S110 - the original error is the one to report
                pass
            self.copy_context = None
        if connection.needs_rollback:
            return  # the transaction is being rolled back, and the table with it
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
            cursor.execute(f"DROP TABLE IF EXISTS {DUPLICATES}")
            cursor.execute(f"DROP TABLE IF EXISTS {MATCHED}")
            if self.postgres:
                cursor.execute("RESET work_mem")

    def repeats(self) -> list[tuple]:
        """(row, first row, order number, SKU code) of every row whose key an earlier row already had."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE {DUPLICATES} AS SELECT order_no, sku_code, MIN(row_no) AS first_row "  # noqa: S608
                f"FROM {STAGE} GROUP BY order_no, sku_code HAVING COUNT(*) > 1"
            )
            cursor.execute(
                f"SELECT s.row_no, d.first_row, s.order_no, s.sku_code FROM {STAGE} s JOIN {DUPLICATES} d "  # noqa: S608
                "ON s.order_no = d.order_no AND s.sku_code = d.sku_code WHERE s.row_no <> d.first_row "
                f"ORDER BY s.row_no LIMIT {MAX_REJECTIONS + 1}"
            )
            rows = cursor.fetchall()
            if rows:
                cursor.execute(
                    f"UPDATE {STAGE} SET ok = 0 WHERE ok = 1 AND EXISTS (SELECT 1 FROM {DUPLICATES} d "  # noqa: S608
                    f"WHERE d.order_no = {STAGE}.order_no AND d.sku_code = {STAGE}.sku_code "
                    f"AND d.first_row <> {STAGE}.row_no)"
                )
        return rows

    DIFFERS = _differs("o")
    JOIN = f"{OrderLine._meta.db_table} o ON o.order_no = s.order_no AND o.sku_id = s.sku_id"

    def classify(self) -> tuple[int, int, int]:
        """(new, updated, unchanged) among the valid staged rows. The one join with the order lines: the
        write takes the matches from MATCHED rather than joining again."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE {MATCHED} AS SELECT s.row_no, o.id AS line_id, "  # noqa: S608
                f"CASE WHEN {self.DIFFERS} THEN 1 ELSE 0 END AS changed FROM {STAGE} s JOIN {self.JOIN} "
                "WHERE s.ok = 1"
            )
            cursor.execute(f"SELECT COUNT(*) FROM {STAGE} WHERE ok = 1")  # noqa: S608
            total = int(cursor.fetchone()[0])
            cursor.execute(f"SELECT COUNT(*), COALESCE(SUM(changed), 0) FROM {MATCHED}")  # noqa: S608
            matched, updated = (int(v) for v in cursor.fetchone())
            if self.postgres:
                cursor.execute(f"ANALYZE {MATCHED}")
        return total - matched, updated, matched - updated

    def touched(self) -> tuple[set[str], set[int]]:
        """The months (YYYY-MM) the valid rows write to or move lines from, and their customers' companies."""
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT DISTINCT s.order_date, o.order_date FROM {STAGE} s "  # noqa: S608
                           f"LEFT JOIN {self.JOIN} WHERE s.ok = 1")
            months = {str(day)[:7] for pair in cursor.fetchall() for day in pair if day is not None}
            cursor.execute(f"SELECT DISTINCT c.company_id FROM {STAGE} s JOIN {Customer._meta.db_table} c "  # noqa: S608
                           "ON c.id = s.customer_id WHERE s.ok = 1")
            companies = {row[0] for row in cursor.fetchall()}
        return months, companies

    def write(self, user_id, now, *, updates: bool):
        """Changed lines' old values to their history, then the updates, then the new lines."""
        lines = OrderLine._meta.db_table
        at = connection.ops.adapt_datetimefield_value(now)
        with connection.cursor() as cursor:
            if updates:
                self._update(cursor, at, user_id)
            cursor.execute(
                f"INSERT INTO {lines} (order_no, sku_id, customer_id, order_date, quantity, unit_price, amount, "  # noqa: S608
                "unit_cost, changed_at, source) SELECT s.order_no, s.sku_id, s.customer_id, s.order_date, "
                f"s.quantity, s.unit_price, s.amount, s.unit_cost, %s, 'import' FROM {STAGE} s WHERE s.ok = 1 "
                f"AND NOT EXISTS (SELECT 1 FROM {MATCHED} m WHERE m.row_no = s.row_no)",
                [at],
            )

    def _update(self, cursor, at, user_id):
        lines, changes = OrderLine._meta.db_table, OrderLineChange._meta.db_table
        cursor.execute(
            f"INSERT INTO {changes} (line_id, changed_at, source, changed_by_id, old_customer_id, "  # noqa: S608
            "old_order_date, old_quantity, old_unit_price, old_amount, old_unit_cost) "
            "SELECT o.id, %s, 'import', %s, o.customer_id, o.order_date, o.quantity, o.unit_price, o.amount, "
            f"o.unit_cost FROM {MATCHED} m JOIN {lines} o ON o.id = m.line_id WHERE m.changed = 1",
            [at, user_id],
        )
        cursor.execute(
            f"UPDATE {lines} SET customer_id = s.customer_id, order_date = s.order_date, "  # noqa: S608
            "quantity = s.quantity, unit_price = s.unit_price, amount = s.amount, unit_cost = s.unit_cost, "
            f"changed_at = %s, source = 'import' FROM {MATCHED} m JOIN {STAGE} s ON s.row_no = m.row_no "
            f"WHERE {lines}.id = m.line_id AND m.changed = 1",
            [at],
        )
