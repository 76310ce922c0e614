"""Pages render for each role, in Chinese by default, with a bounded number of queries."""

from django.urls import reverse
from django.utils.html import escape

from fieldcrm.customers import actions
from fieldcrm.org.models import PersonalDataExport
from tests.factories import make_customer


def test_login_page_is_chinese_by_default(client, db):
    page = client.get(reverse("login")).content.decode()
    assert "登录" in page


def test_english_is_available(client, db):
    client.post(reverse("set_language"), {"language": "en", "next": "/login/"})
    assert "Log in" in client.get(reverse("login")).content.decode()


def test_home_sends_each_role_to_its_work(cast, login):
    assert login(cast["alice"]).get("/")["Location"] == reverse("field_today")
    assert login(cast["dora"]).get("/")["Location"] == reverse("followup:demand_inbox")
    assert login(cast["max"]).get("/")["Location"] == reverse("monopoly:list")
    assert login(cast["sam"]).get("/")["Location"] == reverse("customers:list")


def test_customer_list_query_count_does_not_grow_with_rows(cast, login, django_assert_max_num_queries):
    for _ in range(40):
        make_customer(cast["alice"])
    client = login(cast["alice"])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("customers:list"))
    assert response.status_code == 200
    assert response.content.decode().count("/customers/C") >= 40


def test_list_search_matches_chinese_substrings_phone_and_licence(cast, login):
    shop = make_customer(cast["alice"], name="老王烟酒店", phone="13912340000", address="沛县汤沐路18号")
    make_customer(cast["alice"], name="惠民超市")
    client = login(cast["alice"])
    for term in ("烟酒", "汤沐路", "1391234", shop.license_no[-6:], shop.customer_code.lower()):
        page = client.get(reverse("customers:list"), {"q": term}).content.decode()
        assert "老王烟酒店" in page, term
        assert "惠民超市" not in page, term


def test_list_filters_and_htmx_partial(cast, login):
    make_customer(cast["alice"], name="大店", tier=25)
    make_customer(cast["alice"], name="小店", tier=3)
    client = login(cast["alice"])
    page = client.get(reverse("customers:list"), {"tier_min": 20}, HTTP_HX_REQUEST="true")
    body = page.content.decode()
    assert "大店" in body and "小店" not in body
    assert "<html" not in body  # htmx gets the rows only


def test_bad_filter_is_reported_not_crashing(cast, login):
    shop = make_customer(cast["alice"], tier=12)
    page = login(cast["alice"]).get(reverse("customers:list"), {"tier_min": 40})
    assert page.status_code == 200
    form = page.context["form"]
    assert list(form.errors) == ["tier_min"]
    html = page.content.decode()
    assert escape(f"{form['tier_min'].label}: {form.errors['tier_min'][0]}") in html  # said next to the filters
    assert shop.name in html  # the bad filter is not applied: the list stays whole


def test_customer_page_query_count(cast, login, django_assert_max_num_queries):
    shop = make_customer(cast["alice"])
    for n in range(5):
        request = actions.propose_change(shop, "phone", f"1380000{n:04d}", by=cast["alice"])
        shop.refresh_from_db()
        actions.reject_change_request(request, by=cast["dora"], note="no")
        shop = actions.update_customer(shop, {"tier": 10 + n}, by=cast["alice"], source="edit")
    client = login(cast["alice"])
    with django_assert_max_num_queries(16):
        page = client.get(reverse("customers:detail", args=[shop.customer_code]))
    assert page.status_code == 200


def test_export_is_logged_with_filter(cast, login):
    make_customer(cast["alice"], tier=25)
    response = login(cast["alice"]).get(reverse("customers:export"), {"tier_min": 20})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    log = PersonalDataExport.objects.get()
    assert (log.user, log.row_count, log.filters) == (cast["alice"], 1, {"tier_min": 20})


def test_broad_lists_cap_their_count(cast, login, monkeypatch, client):
    from fieldcrm.customers import search
    from fieldcrm.org.models import ApiToken

    monkeypatch.setattr(search, "COUNT_CAP", 3)
    for _ in range(5):
        make_customer(cast["alice"])
    page = login(cast["alice"]).get(reverse("customers:list")).content.decode()
    assert "超过 3 个客户" in page
    body = client.get("/api/v1/customers", HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(cast['alice'])}").json()
    assert (body["count"], body["count_capped"], len(body["items"])) == (3, True, 5)


def test_pagination_keeps_the_filters(cast, login):
    for _ in range(55):
        make_customer(cast["alice"], tier=12)
    page = login(cast["alice"]).get(reverse("customers:list"), {"tier_min": 10}).content.decode()
    assert "?tier_min=10&page=2" in page
    second = login(cast["alice"]).get(reverse("customers:list"), {"tier_min": 10, "page": 2}).content.decode()
    assert second.count("/customers/C") == 10  # code and name link to each of the last 5
