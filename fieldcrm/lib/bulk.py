"""Fast bulk writes for imports of hundreds of thousands of rows.

Django's bulk_create spends most of its time compiling SQL and preparing values one field at a time
(and SQLite's parameter limit cuts batches to a few dozen rows). Here rows are plain tuples of
database-ready values: PostgreSQL gets them through COPY, other databases through executemany.
Callers run these inside their own transaction.
"""

from collections.abc import Iterable, Sequence

from django.db import connection

CHUNK = 5000


def _columns(model, attnames: Sequence[str]) -> list[str]:
    fields = {f.attname: f for f in model._meta.concrete_fields}
    return [fields[name].column for name in attnames]


def _row_adapter(model, attnames: Sequence[str]):
    """For executemany: convert only the date/time columns, the way this backend's Django stores them.

    Imports repeat one timestamp on every row, so conversions are remembered.
    """
    ops = connection.ops
    fields = {f.attname: f for f in model._meta.concrete_fields}
    converters = {
        "DateTimeField": ops.adapt_datetimefield_value,
        "DateField": ops.adapt_datefield_value,
        "TimeField": ops.adapt_timefield_value,
    }
    temporal = [
        (index, converters[fields[name].get_internal_type()])
        for index, name in enumerate(attnames)
        if fields[name].get_internal_type() in converters
    ]
    seen: dict = {}

    def adapt(row):
        row = list(row)
        for index, convert in temporal:
            value = row[index]
            if value is not None:
                key = (index, value)
                if key not in seen:
                    seen[key] = convert(value)
                row[index] = seen[key]
        return row

    return adapt


def insert_rows(model, attnames: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert rows (tuples in `attnames` order) into the model's table; returns the row count."""
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in _columns(model, attnames))
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        adapt = _row_adapter(model, attnames)
        placeholders = ", ".join(["%s"] * len(attnames))
        # Table and column names come from model metadata, quoted; values are parameters.
        sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608
        batch = []
        for row in rows:
            batch.append(adapt(row))
            if len(batch) >= CHUNK:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def update_rows(model, attnames: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Update rows by primary key: each row is (*values in `attnames` order, pk)."""
    table = connection.ops.quote_name(model._meta.db_table)
    assignments = ", ".join(f"{connection.ops.quote_name(c)} = %s" for c in _columns(model, attnames))
    pk = connection.ops.quote_name(model._meta.pk.column)
    sql = f"UPDATE {table} SET {assignments} WHERE {pk} = %s"  # noqa: S608 - names from model metadata
    adapt = _row_adapter(model, [*attnames, model._meta.pk.attname])
    batch = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append(row if connection.vendor == "postgresql" else adapt(row))
            if len(batch) >= CHUNK:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)


def allocate_ids(model, count: int) -> list[int]:
    """Primary keys for `count` new rows, reserved up front so the rows can be written with their ids
    (and their history and log rows alongside) without reading them back."""
    if count == 0:
        return []
    table = model._meta.db_table
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, pk, count]
            )
            return [row[0] for row in cursor.fetchall()]
        # SQLite: the write transaction holds the database lock, so max(id) cannot move under us.
        cursor.execute(f"SELECT COALESCE(MAX({connection.ops.quote_name(pk)}), 0) FROM "  # noqa: S608
                       f"{connection.ops.quote_name(table)}")
        start = cursor.fetchone()[0] + 1
        return list(range(start, start + count))
