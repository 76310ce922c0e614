"""No 5xx on bad input: every parameter and body field of every endpoint (read from the OpenAPI document) is
sent out-of-range numbers (beyond 64 bits, negative), text with a NUL character, and dates in year 1 and
9999; each must be refused with 400 or 422 naming the field."""

from datetime import timedelta
from urllib.parse import quote, urlencode

import pytest
from django.test import Client

from fieldcrm.api import api
from tests import api_calls
from tests.api_calls import API, TODAY

pytestmark = pytest.mark.django_db

SPEC = api.get_openapi_schema(path_prefix=API)
CASES = api_calls.cases(Client())
OPERATIONS = sorted((method, path) for path, operations in SPEC["paths"].items() for method in operations)

BAD_NUMBERS = [2**64, -1]
HUGE = 10**12  # a valid id, but no list is that long
BAD_TEXT = ["a\x00b"]
BAD_DATES = ["0001-01-01", "9999-12-27", "9999-12-31"]
BAD_MOMENTS = ["0001-01-01T00:00:00+08:00", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59-08:00"]


@pytest.fixture(autouse=True)
def _friday_before_the_week(time_machine):
    time_machine.move_to(TODAY, tick=True)


def _schema(schema: dict) -> dict:
    if "$ref" in schema:
        return _schema(SPEC["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]])
    for option in schema.get("anyOf", []):
        if option.get("type") != "null":
            return _schema(option)
    for option in schema.get("allOf", []):
        return _schema(option)
    return schema


def bad_values(name: str, schema: dict) -> list:
    schema = _schema(schema)
    kind, form = schema.get("type"), schema.get("format")
    if kind == "integer":
        return [*BAD_NUMBERS, HUGE] if name in ("offset", "limit") else BAD_NUMBERS
    if kind == "string" and form == "date":
        return BAD_DATES
    if kind == "string" and form == "date-time":
        return BAD_MOMENTS
    if kind == "string":
        return BAD_TEXT
    return []  # booleans, arrays: their parsing is pydantic's


def body_fields(operation: dict) -> dict:
    body = operation.get("requestBody")
    if not body:
        return {}
    content = body["content"]
    # A photo upload is a multipart form: its fields are probed like a JSON body's.
    schema = content["application/json" if "application/json" in content else "multipart/form-data"]["schema"]
    return _schema(schema).get("properties", {})


def base_call(cast, method, path):
    """A call the user may make: the endpoint's case for writes; for reads any id (bad values are refused
    before a lookup)."""
    if (method, path) in CASES:
        return CASES[(method, path)].ok(cast)
    code = api_calls.store(cast["alice"]).customer_code
    return api_calls.Call(method, path.replace("{pk}", "1").replace("{code}", code))


def send(client, cast, call, url, body):
    kwargs = {"HTTP_AUTHORIZATION": f"Bearer {api_calls.token(cast[call.user])}", "HTTP_ACCEPT_LANGUAGE": "en"}
    if method_has_body(call.method):
        data, content_type = api_calls.encoded(call, body)
        return getattr(client, call.method)(url, data, content_type=content_type, **kwargs)
    return getattr(client, call.method)(url, **kwargs)


def method_has_body(method):
    return method in api_calls.WRITE_METHODS


def assert_refused_naming(response, name, probe):
    assert response.status_code in (400, 422), (probe, response.status_code, response.content[:300])
    body = response.json()
    if response.status_code == 422:
        assert any(error["loc"][-1] == name for error in body["detail"]), (probe, body)
    else:
        assert body.get("field") == name, (probe, body)


@pytest.mark.parametrize("endpoint", OPERATIONS, ids=" ".join)
def test_bad_values_are_refused_naming_the_field(cast, client, endpoint):
    method, path = endpoint
    operation = SPEC["paths"][path][method]
    call = base_call(cast, method, path)
    probes = 0
    for parameter in operation.get("parameters", []):
        name, where = parameter["name"], parameter["in"]
        for value in bad_values(name, parameter["schema"]):
            if where == "path":
                segments = path.split("/")
                url = "/".join(quote(str(value), safe="") if s == f"{{{name}}}" else c
                               for s, c in zip(segments, call.url.split("/"), strict=True))
            else:
                url = f"{call.url}?{urlencode({name: value})}"
            response = send(client, cast, call, url, call.body)
            assert_refused_naming(response, name, (where, name, value))
            probes += 1
    for name, schema in body_fields(operation).items():
        for value in bad_values(name, schema):
            response = send(client, cast, call, call.url, {**call.body, name: value})
            assert_refused_naming(response, name, ("body", name, value))
            probes += 1
    if not probes:
        pytest.skip("no parameters")


WITH_BODY = sorted(endpoint for endpoint in CASES if body_fields(SPEC["paths"][endpoint[1]][endpoint[0]]))


@pytest.mark.parametrize("endpoint", WITH_BODY, ids=" ".join)
def test_a_body_that_is_not_json_is_a_client_error(cast, client, endpoint):
    call = CASES[endpoint].ok(cast)
    response = getattr(client, call.method)(call.url, "{", content_type="application/json",
                                            HTTP_AUTHORIZATION=f"Bearer {api_calls.token(cast[call.user])}")
    assert 400 <= response.status_code < 500


def test_a_need_raised_long_ago_is_refused(cast, client):
    """Year 1 is the extreme; a month back is already not a need noted offline."""
    call = CASES[("post", f"{API}/demands")].ok(cast)
    raised = (TODAY - timedelta(days=31)).isoformat()
    response = send(client, cast, call, call.url, {**call.body, "raised_at": raised})
    assert response.status_code == 400 and response.json()["field"] == "raised_at"
    recent = (TODAY - timedelta(days=29)).isoformat()
    assert send(client, cast, call, call.url, {**call.body, "raised_at": recent}).status_code == 201
