"""Schema pieces shared by the API routers of every app.

- `Message`: the one error body (`{"detail": ..., "field": ...}`) and `refusals()`, which documents it for
  the statuses a refusal can have, so the OpenAPI document lists them.
- Input types that keep bad input at 422 naming the field, before it reaches a query or date arithmetic
  (where it would be a 500): `Id` for primary and foreign keys, `Offset`, `Version`, `Day` (a date in a
  sane range), `Text` (no NUL character), and `InputSchema`, the base of every body and filter schema,
  which refuses NUL characters in all of its text fields; `ListFilters`, the base of list filters, where
  each field names its lookup (ninja's `FilterLookup`) instead of an `if` per field in each endpoint.
- `CustomerCode` / `CustomerName`: dotted aliases (`customer.customer_code`), which ninja
  resolves on the object, instead of one resolver per schema.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

from annotated_types import Interval
from django.db.models import Q
from ninja import Field, FilterSchema, Schema
from pydantic import AfterValidator, field_validator
from pydantic_core import PydanticCustomError

BIGINT_MAX = 2**63 - 1  # ids are 64-bit columns; a larger number overflows the database driver
INT_MAX = 2**31 - 1  # version counters are 32-bit columns
OFFSET_MAX = 10**9  # far beyond any list; keeps offset + limit inside 64 bits
# Any date the API takes lies here, so adding a week or a response time to it cannot overflow (year 9999)
# and a typo of year 1 or 9999 is refused instead of stored.
DAY_MIN, DAY_MAX = date(1900, 1, 1), date(2999, 12, 31)


class Message(Schema):
    detail: str
    field: str | None = Field(None, description="the input at fault, when one is")


def refusals(answers: dict[int, Any], *codes: int) -> dict[int, Any]:
    """`answers` plus the error statuses of a write: 400 bad input, 403 read-only, 404 not yours,
    409 conflict with the current state or version (and any extra `codes`, e.g. 413)."""
    return {**answers, **{code: Message for code in (400, 403, 404, 409, *codes)}}


def _no_nul(value: str) -> str:
    # PostgreSQL cannot store NUL in text (a 500); SQLite would store it silently.
    if "\x00" in value:
        raise PydanticCustomError("nul_character", "Text must not contain NUL characters.")
    return value


Id = Annotated[int, Interval(ge=1, le=BIGINT_MAX)]
Offset = Annotated[int, Interval(ge=0, le=OFFSET_MAX)]
Version = Annotated[int, Interval(ge=0, le=INT_MAX)]
Day = Annotated[date, Interval(ge=DAY_MIN, le=DAY_MAX)]
Text = Annotated[str, AfterValidator(_no_nul)]


class InputSchema(Schema):
    """Base of request bodies and filters: no text field may hold a NUL character."""

    @field_validator("*", mode="after")
    @classmethod
    def _text_without_nul(cls, value):
        return _no_nul(value) if isinstance(value, str) else value


class ListFilters(FilterSchema, InputSchema):
    """Filters of a list endpoint: each field narrows the list by its `FilterLookup` (or a `filter_<name>`
    method); `limit` and `offset`, which a paged list declares with its own bounds, page it (`page`)."""

    if TYPE_CHECKING:  # declared by each paged subclass, with its own default and bounds
        limit: int
        offset: int

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_no_filter(cls, value):
        # `?status=` from a cleared form field means "any", as before the filters were declared.
        return None if isinstance(value, str) and not value.strip() else value

    def filter_limit(self, value) -> Q:
        return Q()

    def filter_offset(self, value) -> Q:
        return Q()

    def page(self, queryset):
        return queryset[self.offset : self.offset + self.limit]


CustomerCode = Annotated[str, Field(alias="customer.customer_code")]
CustomerName = Annotated[str, Field(alias="customer.name")]
