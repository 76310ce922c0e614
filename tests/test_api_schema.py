"""Schemathesis against the live API (issue 16, item 4): for every operation of the OpenAPI document, a bounded,
deterministic set of generated requests (valid and invalid ones) is sent over HTTP on loopback, once with a
manager's Bearer token and once with the admin's, to a server holding a small dataset (the cast, a store, a
SKU, a visit, a need). No answer may be a server error, and every answer must be one the document declares:
its status, its content type, its headers and its body.

The examples per operation are few (`EXAMPLES`) so the file runs in about a minute; hypothesis is derandomised,
so the same requests are sent on every run and a failure reproduces."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
import schemathesis
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from fieldcrm.api import api
from fieldcrm.followup.actions import raise_demand
from fieldcrm.org.models import ApiToken
from tests.factories import CENTRE, make_cast, make_customer, make_sku, make_visit

EXAMPLES = 3
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]

schema = schemathesis.openapi.from_dict(api.get_openapi_schema())


@pytest.fixture
def server(live_server, transactional_db, private_media):
    """The live server's URL and the two callers' headers, with a small dataset in place."""
    cast = make_cast()
    store = make_customer(cast["alice"], latitude=CENTRE[0], longitude=CENTRE[1])
    make_sku()
    make_visit(store, timezone.now() - timedelta(hours=1))
    raise_demand(store, kind="supply", description="要中华(硬)", by=cast["alice"], client_uuid=uuid.uuid4())
    callers = {role: {"Authorization": f"Bearer {ApiToken.issue(cast[name])}"}
               for role, name in (("manager", "alice"), ("admin", "ada"))}
    return live_server.url, callers


@schema.parametrize()
@settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_contract(server, case):
    base_url, callers = server
    for role, headers in callers.items():
        # call_and_validate raises on any failed check (server error, status, content type, headers, body
        # against the document); the answer is asserted here too, so the test says what it proves.
        response = case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS, timeout=30)
        assert response.status_code < 500, (role, case.method, case.path, response.status_code)


def test_the_document_says_what_the_server_sends_and_refuses():
    document = api.get_openapi_schema()
    components = document["components"]["schemas"]
    arrival = components["VisitOut"]["properties"]["arrival"]["anyOf"][0]
    assert "format" not in arrival and re.fullmatch(arrival["pattern"], "09:30:00")  # no offset is sent
    day = next(p for p in document["paths"]["/api/v1/today"]["get"]["parameters"] if p["name"] == "day")
    day_pattern = day["schema"]["anyOf"][0]["pattern"]
    assert re.fullmatch(day_pattern, "2026-12-08") and not re.fullmatch(day_pattern, "0001-01-01")
    text = components["RaiseIn"]["properties"]["description"]["pattern"]
    assert re.fullmatch(text, "要中华(硬)\n两条")
    assert not any(re.fullmatch(text, f"要{c}货") for c in ("\x00", "\x07", "\u202e", "\u2066"))
