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

import re
from datetime import date, time
from typing import TYPE_CHECKING, Annotated, Any, get_args

from annotated_types import Interval
from django.db.models import Q
from ninja import Field, FilterSchema, Schema
from pydantic import AfterValidator, WithJsonSchema, field_validator
from pydantic_core import PydanticCustomError

BIGINT_MAX = 2**63 - 1  # ids are 64-bit columns; a larger number overflows the database driver
INT_MAX = 2**31 - 1  # version counters are 32-bit columns
OFFSET_MAX = 10**9  # far beyond any list; keeps offset + limit inside 64 bits
# Any date the API takes lies here, so adding a week or a response time to it cannot overflow (year 9999)
# and a typo of year 1 or 9999 is refused instead of stored.
DAY_MIN, DAY_MAX = date(1900, 1, 1), date(2999, 12, 31)


class Message(Schema):
    detail: str
    code: str = Field(description="what went wrong, for programs to branch on (e.g. `stale_version`, "
                                  "`not_found`, `too_large`); `detail` says it to people")
    field: str | None = Field(None, description="the input at fault, when one is")


class InvalidInput(Schema):
    """The body of a 422: ninja's list of validation errors, each naming its field by `loc`."""

    detail: list[dict[str, Any]] = Field(description="one entry per fault: `type`, `loc` (where), `msg`")
    code: str = Field(description="always `invalid_schema`")


def refusals(answers: dict[int, Any], *codes: int) -> dict[int, Any]:
    """`answers` plus the error statuses of a write: 400 bad input, 403 read-only, 404 not yours,
    409 conflict with the current state or version (and any extra `codes`, e.g. 413)."""
    return {**answers, **{code: Message for code in (400, 403, 404, 409, *codes)}}


# Characters no text a person types contains: C0/C1 controls but tab and line breaks, and the bidirectional
# overrides and isolates, which can make a need or an opinion read differently from what is stored.
_CONTROL = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _no_nul(value: str) -> str:
    # PostgreSQL cannot store NUL in text (a 500); SQLite would store it silently.
    if "\x00" in value:
        raise PydanticCustomError("nul_character", "Text must not contain NUL characters.")
    if _CONTROL.search(value):
        raise PydanticCustomError("control_character", "Text must not contain control or direction-override "
                                  "characters.")
    return value


def _not_blank(value: str) -> str:
    value = value.strip()
    if not value:
        raise PydanticCustomError("blank", "Text must not be empty or only spaces.")
    return value


def _allows_bool(annotation) -> bool:
    return annotation is bool or any(_allows_bool(arg) for arg in get_args(annotation))


# The same rules in the OpenAPI document, as JSON Schema patterns (ECMA regex), so clients see what is refused.
TEXT_PATTERN = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069]*$"
DAY_PATTERN = r"^(19\d\d|2\d\d\d)-\d\d-\d\d$"  # years DAY_MIN..DAY_MAX

Id = Annotated[int, Interval(ge=1, le=BIGINT_MAX)]
Offset = Annotated[int, Interval(ge=0, le=OFFSET_MAX)]
Version = Annotated[int, Interval(ge=0, le=INT_MAX)]
Day = Annotated[date, Interval(ge=DAY_MIN, le=DAY_MAX), WithJsonSchema({
    "type": "string", "format": "date", "pattern": DAY_PATTERN,
    "description": f"a day from {DAY_MIN} to {DAY_MAX}"})]
# A wall-clock time in Asia/Shanghai, sent as `HH:MM:SS` without an offset: JSON Schema's `format: time`
# (RFC 3339) requires one, so the document says what is really sent.
LocalTime = Annotated[time, WithJsonSchema({
    "type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?$",
    "description": "local time (Asia/Shanghai), HH:MM:SS, without an offset"})]
Text = Annotated[str, AfterValidator(_no_nul)]
NonBlankText = Annotated[str, AfterValidator(_not_blank)]  # stripped; only spaces is no text


def _document_text_ban(schema: dict) -> None:
    """Add `TEXT_PATTERN` to each text property of `schema` (alone or in an anyOf) without a pattern of its own."""
    for prop in schema.get("properties", {}).values():
        for variant in [prop, *prop.get("anyOf", [])]:
            if variant.get("type") == "string" and "format" not in variant and "pattern" not in variant \
                    and "enum" not in variant:
                variant["pattern"] = TEXT_PATTERN


class InputSchema(Schema):
    """Base of request bodies and filters: no text field may hold a NUL, control or direction-override
    character (said in the OpenAPI document as each text field's pattern), and `true`/`false` is a value only
    where the field is a yes/no (pydantic's lax mode would store `latitude: true` as 1.0)."""

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema, handler):
        json_schema = handler(core_schema)
        _document_text_ban(handler.resolve_ref_schema(json_schema))
        return json_schema

    @field_validator("*", mode="before")
    @classmethod
    def _bool_only_for_bools(cls, value, info):
        if isinstance(value, bool) and not _allows_bool(cls.model_fields[info.field_name].annotation):
            raise PydanticCustomError("not_a_bool_field", "true/false is not a value of this field.")
        return value

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


def name_choices_by_model() -> None:
    """Name each model's nested choices after its model (`Demand.Kind` → `DemandKind`). The OpenAPI document
    names an enum by its class name, so the apps' `Kind`s and `Status`es shared one component and the last one
    won: `DemandOut.kind` listed the notice kinds. Called once all models are loaded, before any API schema
    is built (org's AppConfig.ready)."""
    from django.apps import apps
    from django.db import models

    for model in apps.get_models():
        for value in vars(model).values():
            if (isinstance(value, type) and issubclass(value, models.Choices)
                    and value.__qualname__.startswith(f"{model.__name__}.")):
                value.__name__ = value.__qualname__ = value.__qualname__.replace(".", "")


# Answers any operation can give, whatever its own declaration: 401 without a valid token or session, 422 for
# input its schema refuses; and where it takes a body, 400 for one that cannot be parsed, 413 for one above
# the upload limit.
_ALWAYS = {401: ("Message", "Not authenticated."), 422: ("InvalidInput", "Input its schema refuses.")}
_WITH_BODY = {400: ("Message", "A body that cannot be parsed."),
              413: ("Message", "The body is larger than the upload limit.")}


def document_common_answers(document: dict) -> dict:
    """Add the statuses every operation can answer (`_ALWAYS`, and `_WITH_BODY` where it takes a body) to each
    operation of an OpenAPI `document`, with their error bodies as components, so clients and the contract
    test know them."""
    components = document.setdefault("components", {}).setdefault("schemas", {})
    for model in (Message, InvalidInput):
        components.setdefault(model.__name__, model.model_json_schema(ref_template="#/components/schemas/{model}"))
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            answers = operation.setdefault("responses", {})
            extra = {**_ALWAYS, **(_WITH_BODY if "requestBody" in operation else {})}
            for status, (name, description) in extra.items():
                ref: dict[str, Any] = {"$ref": f"#/components/schemas/{name}"}
                declared = answers.get(status, {}).get("content", {}).get("application/json", {}).get("schema")
                if declared is not None and declared != ref:
                    # e.g. an analytics 422 refusal (a sentence) beside the schema's (a list of faults)
                    ref = {"anyOf": [declared, ref]}
                answers[status] = {"description": answers.get(status, {}).get("description", description),
                                   "content": {"application/json": {"schema": ref}}}
    return document
