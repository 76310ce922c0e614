"""Pages under bad input: refusals shown as messages or form errors (fieldcrm/pages.py), redirects that stay on
the site, ids beyond 64 bits and weeks near year 1 or 9999 answered without a server error."""

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import Http404
from django.test import RequestFactory
from django.urls import reverse

from fieldcrm.care import access as care_access
from fieldcrm.care.models import ServiceItem, ServiceTask
from fieldcrm.customers import access as customers_access
from fieldcrm.errors import ActionRefused
from fieldcrm.followup import access as followup_access
from fieldcrm.imports import access as imports_access
from fieldcrm.pages import RefusalMiddleware, refusal_as_message, safe_url
from fieldcrm.visits import access as visits_access
from tests.factories import TODAY, WEEK, make_customer

pytestmark = pytest.mark.django_db
EVIL = "https://evil.example/phish"


def _request(method="post", path="/visits/generate", **extra):
    request = getattr(RequestFactory(), method)(path, **extra)
    request._messages = CookieStorage(request)
    return request


def _texts(request) -> list[str]:
    return [str(m) for m in get_messages(request)]


# --- the helpers ----------------------------------------------------------------------------------------


def test_refusal_as_message_skips_the_rest_of_the_block():
    request = _request()
    with refusal_as_message(request):
        raise ActionRefused("already decided")
    with refusal_as_message(request):
        pass
    assert _texts(request) == ["already decided"]


def test_middleware_sends_an_escaped_refusal_back_with_its_message():
    middleware = RefusalMiddleware(lambda request: None)
    request = _request(HTTP_REFERER="http://testserver/customers/?page=2")
    response = middleware.process_exception(request, ActionRefused("no"))
    assert (response.status_code, response["Location"]) == (302, "http://testserver/customers/?page=2")
    assert _texts(request) == ["no"]
    foreign = _request(data={"next": EVIL}, HTTP_REFERER=EVIL)
    assert middleware.process_exception(foreign, ActionRefused("no"))["Location"] == reverse("home")
    assert middleware.process_exception(_request(path="/api/v1/visits/1/join"), ActionRefused("no")) is None
    assert middleware.process_exception(_request(), ValueError("not a refusal")) is None


@pytest.mark.parametrize("url", [EVIL, "//evil.example/", "https:evil.example", "javascript:alert(1)", ""])
def test_safe_url_refuses_other_sites(url):
    assert safe_url(_request(), url, "care:plan") == reverse("care:plan")


def test_safe_url_keeps_a_local_path():
    assert safe_url(_request(), "/customers/C000001/#demands") == "/customers/C000001/#demands"


# --- open redirect -----------------------------------------------------------------------------------------


@pytest.fixture
def task(cast):
    item = ServiceItem.objects.filter(company=cast["company"]).first()
    return ServiceTask.objects.create(customer=make_customer(cast["alice"]), item=item, source="standard",
                                      due_date=WEEK)


@pytest.mark.parametrize("name", ["care:done", "care:send"])
def test_service_plan_forms_ignore_a_foreign_next(login, cast, task, name):
    alice = login(cast["alice"])
    away = alice.post(reverse(name, args=[task.pk]), {"next": EVIL, "text": "您好"})
    assert away["Location"] == reverse("care:plan")
    local = alice.post(reverse(name, args=[task.pk]), {"next": "/service-plan/?window=done", "text": "您好"})
    assert local["Location"] == "/service-plan/?window=done"


# --- ids beyond 64 bits ------------------------------------------------------------------------------------

ID_PAGES = {
    "get": ["visits:plan", "visits:export", "visits:visit_actions", "visits:run"],
    "post": ["visits:add", "visits:reoptimise", "visits:regenerate", "visits:submit", "visits:decide",
             "visits:move", "visits:reorder", "visits:remove", "visits:problems", "visits:join",
             "visits:join_decide", "care:done", "care:send", "customers:decide", "customers:withdraw"],
}


@pytest.mark.parametrize("pk", [2**63, 10**30])
@pytest.mark.parametrize("who", ["alice", "sam", "dora", "ada"])
def test_a_huge_id_is_404_on_every_page(login, cast, who, pk):
    client = login(cast[who])
    for method, names in ID_PAGES.items():
        for name in names:
            response = getattr(client, method)(reverse(name, args=[pk]))
            assert response.status_code == 404, (name, response.status_code)


def test_a_huge_import_run_id_is_404(login, cast):
    ada = login(cast["ada"])  # (anyone else gets 403 first: imports are for administrators)
    for name, method in (("imports:preview", "get"), ("imports:report", "get"), ("imports:confirm", "post")):
        assert getattr(ada, method)(reverse(name, args=[2**63])).status_code == 404, name


@pytest.mark.parametrize("pk", [2**63, -1, "x"])
def test_every_lookup_answers_404_to_an_id_that_names_no_row(cast, pk):
    """The access lookups check ids before the database sees them (pages and API alike)."""
    lookups = [care_access.get_task_for_user, followup_access.get_demand_for_user,
               customers_access.get_change_request_for_user, visits_access.get_plan_for_user,
               visits_access.get_visit_for_user, visits_access.get_coordination_visit,
               visits_access.get_join_request_to_decide, visits_access.get_run_for_user, visits_access.get_job_for_user,
               imports_access.get_run_for_user]
    for lookup in lookups:
        with pytest.raises(Http404):
            lookup(cast["ada"], pk)


def test_a_nul_in_a_customer_code_is_404(login, cast):
    assert login(cast["alice"]).get("/customers/C%00/").status_code == 404


# --- weeks near year 1 or 9999 ------------------------------------------------------------------------------


@pytest.fixture
def friday(time_machine):
    time_machine.move_to(TODAY, tick=False)


@pytest.mark.parametrize("week", ["0001-01-01", "9999-12-27", "1999-12-27", "2200-01-06", "2026-13-01", "x"])
@pytest.mark.parametrize("who", ["alice", "sam", "dora"])
def test_visit_pages_fall_back_to_next_week_on_an_impossible_week(login, cast, friday, who, week):
    client = login(cast[who])
    page = client.get(reverse("visits:index"), {"week": week})
    assert page.status_code == 200 and page.context["week"] == WEEK  # next week, with a message
    assert len(page.context["messages"]) == 1
    assert client.get(reverse("visits:job"), {"week": week}).status_code == 200
    assert client.post(reverse("visits:generate"), {"week": week}, follow=True).status_code == 200


def test_an_out_of_range_week_is_named_in_the_message(login, cast, friday):
    client = login(cast["alice"])
    client.cookies["django_language"] = "en"
    page = client.get(reverse("visits:index"), {"week": "9999-12-27"})
    messages = [str(m) for m in page.context["messages"]]
    assert messages == ["Choose a week between 2000-01-03 and 2199-12-30."]


def test_a_forged_version_is_a_form_error(login, cast):
    shop = make_customer(cast["alice"])
    for version in (10**30, 0, -5):
        response = login(cast["alice"]).post(reverse("customers:propose", args=[shop.customer_code]),
                                             {"field": "phone", "new_value": "13800001111", "version": version})
        assert response.status_code == 302, version
    shop.refresh_from_db()
    assert shop.version == 1 and shop.phone != "13800001111"


def test_refusal_pages_read_in_chinese_with_the_app_layout(login, cast, settings):
    """403 and 404 pages are the app's own, in the user's language (zh-hans by default), not Django's bare
    English ones (issue 16, item 8)."""
    client = login(cast["alice"])
    client.cookies.load({settings.LANGUAGE_COOKIE_NAME: "zh-hans"})
    missing = client.get("/customers/no-such-code/")
    assert missing.status_code == 404
    page = missing.content.decode()
    assert 'data-status="404"' in page and "页面不存在" in page and 'class="navbar' in page
    refused = client.get(reverse("imports:upload"))  # a manager may not import
    assert refused.status_code == 403
    page = refused.content.decode()
    assert 'data-status="403"' in page and "无权" in page and 'class="navbar' in page


def test_favicon_exists(client):
    answer = client.get("/favicon.ico")
    assert answer.status_code == 301 and answer["Location"] == "/static/fieldcrm/favicon.ico"
