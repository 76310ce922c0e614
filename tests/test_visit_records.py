"""Visits done at the store, read on the web: one visit's page (what was done, seen and said), the visit
lists (a manager's own by week; a supervisor's team with filters), a store's last visits on its customer
page, and who may see them (the manager, their supervisor, admins; 404 for everyone else)."""

import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from fieldcrm.customers.actions import propose_change
from fieldcrm.org.models import User
from fieldcrm.photos import actions as photo_actions
from fieldcrm.visits import fieldwork
from fieldcrm.visits.models import ChecklistAnswer, PlannedVisit, SkuObservation, VisitOpinion, WeekPlan
from fieldcrm.visits.views import records
from tests.factories import CENTRE, image_bytes, make_customer, make_sku, make_user, make_visit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]
SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 30, tzinfo=SHANGHAI)
NOW = MONDAY + timedelta(days=2, hours=15)  # Wednesday 15:00


@pytest.fixture(autouse=True)
def _wednesday(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def store(cast):
    return make_customer(cast["alice"], latitude=CENTRE[0], longitude=CENTRE[1], name="惠民超市")


@pytest.fixture
def rita(cast):
    """The rural area's supervisor: not alice's."""
    return make_user("rita", User.Role.SUPERVISOR, cast["company"], area=cast["rural"])


def planned(store, day, problems=""):
    plan, _ = WeekPlan.objects.get_or_create(manager=store.manager, week_start=MONDAY.date(),
                                             defaults={"status": WeekPlan.Status.APPROVED})
    return PlannedVisit.objects.create(plan=plan, customer=store, day=day, problems=problems)


def recorded(store, planned_visit=None, **fields):
    """A visit recorded through the real action, as the phone's POST /visits does."""
    at = NOW - timedelta(minutes=40)
    record = fieldwork.VisitRecord(
        client_uuid=uuid.uuid4(), checked_in_at=at, checked_out_at=at + timedelta(minutes=25),
        latitude=CENTRE[0] + 0.0005, longitude=CENTRE[1], accuracy_m=8,
        planned_visit=planned_visit.pk if planned_visit else None, **fields)
    visit, created = fieldwork.record_visit(store, record, by=store.manager)
    assert created
    return visit


def page(login, user, visit):
    return login(user).get(reverse("visits:record", args=[visit.pk]), HTTP_ACCEPT_LANGUAGE="en")


def test_a_visit_page_shows_what_was_done_seen_and_said(cast, login, store):
    todo = planned(store, NOW.date(), problems="陈列需调整，补齐细支烟")
    cheap, dear = make_sku(), make_sku(code="6901028000002", name="利群(新版)", retail_price=Decimal("230"))
    visit = recorded(store, todo, notes="店主想增加细支烟投放",
                     opinions=[("supply", "中华断货两周")],
                     observations=[fieldwork.Observation(cheap.code, 3, Decimal("450"), 5, True),
                                   fieldwork.Observation(dear.code, 0, Decimal("260"), None, False)],
                     checklist=[fieldwork.Answer(f"problems:{todo.pk}", True, "已调整")])
    response = page(login, cast["alice"], visit)
    assert response.status_code == 200
    html = response.content.decode()
    assert "惠民超市" in html and "店主想增加细支烟投放" in html and "中华断货两周" in html
    assert "陈列需调整，补齐细支烟" in html and "已调整" in html  # the item as shown, and its note
    assert "14:20" in html and "25 min" in html  # check-in in Shanghai time; time at the store
    assert "56 m" in html and "site-on" in html  # 0.0005° of latitude from the store
    assert reverse("visits:plan", args=[todo.plan_id]) in html  # planned: its plan and day
    # The price above the SKU's guide price is flagged; the one at the guide price is not.
    assert html.count('class="price-above-guide"') == 1
    flagged = html.split('class="price-above-guide"')[1].split("</tr>")[0]
    assert "利群(新版)" in flagged and "260" in flagged


def test_an_unplanned_off_site_visit_without_check_out(cast, login, store):
    visit = make_visit(store, NOW - timedelta(hours=1), distance_m=1234.0, on_site=False, checked_out_at=None)
    html = page(login, cast["alice"], visit).content.decode()
    assert "site-off" in html and "1.2 km" in html and "Unplanned visit" in html and "Not checked out" in html
    nowhere = make_visit(make_customer(cast["alice"]), NOW - timedelta(hours=2), distance_m=None, on_site=False)
    assert "site-unknown" in page(login, cast["alice"], nowhere).content.decode()


def test_the_profit_situation_and_profile_changes_show_when_the_visit_has_them(cast, login, store):
    visit = make_visit(store, NOW - timedelta(hours=1))
    html = page(login, cast["alice"], visit).content.decode()
    assert 'id="visit-profit"' not in html and 'id="visit-profile-changes"' not in html
    sent, waiting = uuid.uuid4(), uuid.uuid4()
    request = propose_change(store, "business_format", "convenience", by=cast["alice"], client_uuid=sent)
    assert request is not None  # the format is the department's: a change request
    visit.profit_situation, visit.monthly_sales_cartons = "loss", 120
    visit.save()
    fieldwork.note_changes(visit, [
        fieldwork.ChangeNoticed(uuid.uuid4(), "phone", "13912345678", applied=True),
        fieldwork.ChangeNoticed(sent, "business_format", "convenience", applied=False),
        fieldwork.ChangeNoticed(waiting, "business_format", "supermarket")])
    html = page(login, cast["alice"], visit).content.decode()
    assert 'id="visit-profit"' in html and "Making a loss" in html and "120" in html
    changes = html.split('id="visit-profile-changes"')[1].split("</ul>")[0]
    assert "13912345678" in changes and "saved" in changes
    assert f"#{request.pk}" in changes and "request not received yet" in changes
    assert "Convenience store" in changes and "convenience" not in changes  # the format's label, not its code


def test_photos_show_through_the_photo_download_and_their_absence_is_quiet(cast, login, store, monkeypatch):
    visit = make_visit(store, NOW - timedelta(hours=1))
    photo, _ = photo_actions.store_photo(visit, upload=_upload(), client_uuid=uuid.uuid4(),
                                         taken_at=NOW - timedelta(minutes=50), by=cast["alice"])
    monkeypatch.setattr(records, "photo_owner_codes", lambda: ["market_report", "visit"])
    html = page(login, cast["alice"], visit).content.decode()
    assert reverse("api:photo_file", args=[photo.pk]) in html
    monkeypatch.setattr(records, "photo_owner_codes", lambda: ["market_report"])  # visits own no photos yet
    response = page(login, cast["alice"], visit)
    assert response.status_code == 200 and 'id="visit-photos"' not in response.content.decode()


def _upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("v.jpg", image_bytes(), content_type="image/jpeg")


def test_only_the_manager_their_supervisor_and_admins_see_a_visit(cast, login, store, rita):
    visit = make_visit(store, NOW - timedelta(hours=1))
    for who in ("alice", "sam", "ada"):
        assert page(login, cast[who], visit).status_code == 200, who
    for user in (cast["bob"], cast["charlie"], rita, cast["dora"], cast["max"]):
        assert page(login, user, visit).status_code == 404, user.username
    assert login(cast["alice"]).get("/visits/records/99999999999999999999/").status_code == 404
    assert login(cast["alice"]).get(f"/visits/records/{visit.pk + 1000}/").status_code == 404
    assert login(cast["alice"]).get(reverse("visits:records")).status_code == 200
    for user in (cast["dora"], cast["max"]):
        assert login(user).get(reverse("visits:records")).status_code == 403


def _list(client, **params):
    return client.get(reverse("visits:records"), params, HTTP_ACCEPT_LANGUAGE="en")


def test_a_manager_lists_their_own_visits_of_a_week(cast, login, store):
    this_week = make_visit(store, NOW - timedelta(hours=1))
    last_week = make_visit(store, MONDAY - timedelta(days=2))
    make_visit(make_customer(cast["bob"]), NOW - timedelta(hours=1))  # bob's
    alice = login(cast["alice"])
    assert list(_list(alice).context["page"]) == [this_week]
    assert list(_list(alice, week="2026-11-23").context["page"]) == [last_week]
    refused = _list(alice, week="2026-11-25")  # not a Monday: said, and this week shown
    assert list(refused.context["page"]) == [this_week] and "A week starts on a Monday." in refused.content.decode()
    assert "manager" not in _list(alice).context["form"].fields  # a manager sees only their own anyway


def test_a_supervisor_filters_the_team_by_manager_and_kind(cast, login, store):
    on = make_visit(store, NOW - timedelta(hours=3))
    off = make_visit(store, NOW - timedelta(hours=2), on_site=False, distance_m=900.0)
    todo = planned(store, NOW.date())
    done = make_visit(store, NOW - timedelta(hours=1), ad_hoc=False, planned_visit=todo)
    bobs = make_visit(make_customer(cast["bob"]), NOW - timedelta(minutes=30))
    make_visit(make_customer(cast["charlie"]), NOW - timedelta(minutes=20))  # another area
    sam = login(cast["sam"])
    assert list(_list(sam).context["page"]) == [bobs, done, off, on]
    assert list(_list(sam, manager=cast["alice"].pk).context["page"]) == [done, off, on]
    assert list(_list(sam, kind="off_site").context["page"]) == [off]
    assert list(_list(sam, kind="ad_hoc", manager=cast["alice"].pk).context["page"]) == [off, on]
    assert list(_list(sam, kind="planned").context["page"]) == [done]
    outsider = _list(sam, manager=cast["charlie"].pk)  # not in sam's team: refused, the whole team shown
    assert len(outsider.context["page"]) == 4
    assert len(_list(login(cast["ada"])).context["page"]) == 5


def test_the_visit_list_costs_the_same_queries_for_3_or_40_visits(cast, login, store, django_assert_num_queries):
    stores = [store, make_customer(cast["bob"]), make_customer(cast["alice"])]
    for n in range(3):
        make_visit(stores[n], NOW - timedelta(hours=n + 1), checked_out_at=NOW - timedelta(hours=n))
    sam = login(cast["sam"])
    with CaptureQueriesContext(connection) as few:
        assert len(_list(sam).context["page"]) == 3
    for n in range(37):
        make_visit(stores[n % 3], NOW - timedelta(minutes=n + 5), planned_visit=None)
    with CaptureQueriesContext(connection) as many:
        assert len(_list(sam).context["page"]) == 40
    assert len(few) == len(many)
    with django_assert_num_queries(len(few)):
        _list(sam, page=1)
    # session, user, unread notices, the manager choices, the count, the page of visits
    assert len(few) <= 6, "\n".join(q["sql"][:150] for q in few.captured_queries)


def test_the_customer_page_loads_the_stores_last_visits(cast, login, store):
    visits = [make_visit(store, NOW - timedelta(days=n, hours=1)) for n in range(12)]
    alice = login(cast["alice"])
    detail = alice.get(reverse("customers:detail", args=[store.customer_code])).content.decode()
    url = reverse("visits:customer_visits", args=[store.customer_code])
    assert url in detail
    card = alice.get(url, HTTP_HX_REQUEST="true")
    assert list(card.context["visits"]) == visits[:10] and card.context["more"]
    assert reverse("visits:record", args=[visits[0].pk]) in card.content.decode()
    assert alice.get(url).status_code == 302  # without htmx: the store's visit list
    assert list(_list(alice, customer=store.customer_code).context["page"]) == visits  # all weeks
    assert login(cast["sam"]).get(url, HTTP_HX_REQUEST="true").context["visits"] == visits[:10]
    assert login(cast["dora"]).get(url, HTTP_HX_REQUEST="true").content == b""  # staff: no visits
    assert login(cast["bob"]).get(url, HTTP_HX_REQUEST="true").status_code == 404  # not his store
    assert _list(login(cast["bob"]), customer=store.customer_code).status_code == 404


def test_the_customer_card_costs_the_same_queries_for_1_or_10_visits(cast, login, store):
    url = reverse("visits:customer_visits", args=[store.customer_code])
    make_visit(store, NOW - timedelta(hours=1))
    alice = login(cast["alice"])
    with CaptureQueriesContext(connection) as one:
        alice.get(url, HTTP_HX_REQUEST="true")
    for n in range(9):
        make_visit(store, NOW - timedelta(days=n + 1))
    with CaptureQueriesContext(connection) as ten:
        alice.get(url, HTTP_HX_REQUEST="true")
    assert len(one) == len(ten) <= 4


def test_the_plan_links_a_done_visit_to_its_page(cast, login, store):
    todo = planned(store, NOW.date())
    visit = make_visit(store, NOW - timedelta(hours=1), ad_hoc=False, planned_visit=todo)
    with translation.override("en"):
        html = login(cast["alice"]).get(reverse("visits:plan", args=[todo.plan_id])).content.decode()
    assert reverse("visits:record", args=[visit.pk]) in html


def test_checklist_and_sku_rows_need_no_query_each(cast, login, store, django_assert_max_num_queries):
    visit = make_visit(store, NOW - timedelta(hours=1))
    for n in range(8):
        sku = make_sku(code=f"69010280001{n:02d}", name=f"SKU{n}")
        SkuObservation.objects.create(visit=visit, sku=sku, stock_cartons=n, retail_price=Decimal("400"))
        ChecklistAnswer.objects.create(visit=visit, code=f"promotion:{n}", kind="promotion", text=f"活动{n}", done=n % 2)
        VisitOpinion.objects.create(visit=visit, topic="price", text=f"意见{n}")
    alice = login(cast["alice"])
    url = reverse("visits:record", args=[visit.pk])
    # session, user, visit, answers, observations with their SKUs, opinions, photos (+ content type), notices
    with django_assert_max_num_queries(9):
        assert alice.get(url).status_code == 200
