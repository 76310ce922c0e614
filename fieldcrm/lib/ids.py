"""Ids and codes from URLs and request bodies, checked before they reach the database.

A row id is a signed 64-bit integer on both databases; a larger number names nothing, but handed to the
database it raises an overflow (a 500). PostgreSQL also refuses a NUL character in any string."""

from django.http import Http404

MAX_ID = 2**63 - 1


def valid_id(pk) -> int:
    """`pk` as an int, or 404 when it cannot name a row (not a whole number, below 1 or beyond 64 bits)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404("No such id") from None
    if not 1 <= pk <= MAX_ID:
        raise Http404("No such id")
    return pk


def valid_code(code: str) -> str:
    """A lookup code (customer code, username, …), or 404 when no stored code can equal it (a NUL)."""
    if "\x00" in code:
        raise Http404("No such code")
    return code


def one_or_404(queryset, pk, missing: str):
    """The row with id `pk` in `queryset` (already limited to what the user may see), else 404 with
    `missing`: the first step of every lookup in the access modules."""
    row = queryset.filter(pk=valid_id(pk)).first()
    if row is None:
        raise Http404(missing)
    return row
