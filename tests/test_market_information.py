"""Market information (市场信息, duty 5) as the article means it: business information (sales dynamics,
trends, hot topics, difficulties, demand changes, competitors) routed to marketing and seen by the reporter,
the reporter's supervisor, marketing staff and admins; violations still confidential to the reporter and
the monopoly officers; and the monthly summary per marketing area for the supervisor and marketing."""

import io
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from fieldcrm.monopoly.models import MarketReport
from fieldcrm.monopoly.summary import month_summary
from fieldcrm.notices.models import Notice
from fieldcrm.visits.models import VisitOpinion
from tests.factories import auth, make_customer, make_visit, marketing_staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]
API = "/api/v1"
SHANGHAI = ZoneInfo("Asia/Shanghai")
# A fixed day: the summary's month and its boundaries do not depend on the day the suite runs.
NOW = datetime(2026, 12, 10, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def mia(cast):
    return marketing_staff(cast)


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


def submit(client, user, kind="trend", **fields):
    body = {"client_uuid": str(uuid.uuid4()), "kind": kind, "description": "中华(软)本月动销加快，断货两次",
            "observed_at": timezone.now().isoformat(), "latitude": 34.7216, "longitude": 116.9372, **fields}
    response = client.post(f"{API}/market-reports", body, content_type="application/json", **auth(user))
    assert response.status_code == 201, response.content
    return response.json()


def test_business_kinds_go_to_marketing_and_old_kinds_stay_violations(cast, client):
    info = submit(client, cast["alice"], kind="hot_topic")
    assert (info["kind"], info["category"], info["status"]) == ("hot_topic", "business", "submitted")
    violation = submit(client, cast["alice"], kind="other")  # an old client's "other" is still a violation
    assert violation["category"] == "violation"
    assert set(MarketReport.VIOLATIONS) | set(MarketReport.BUSINESS) == set(MarketReport.Kind.values)
    assert not set(MarketReport.VIOLATIONS) & set(MarketReport.BUSINESS)
    mine = client.get(f"{API}/market-reports?category=business", **auth(cast["alice"])).json()
    assert [r["id"] for r in mine] == [info["id"]]


def test_business_information_is_seen_by_the_team_and_marketing_never_by_outsiders(cast, client, login, mia):
    report = submit(client, cast["alice"], kind="difficulty")
    url, page = f"{API}/market-reports/{report['id']}", reverse("monopoly:detail", args=[report["id"]])
    for who in ("alice", "sam", "ada", "mia"):  # reporter, her supervisor, admin, marketing
        assert client.get(url, **auth(cast[who])).status_code == 200, who
        assert login(cast[who]).get(page).status_code == 200, who
        assert [r["id"] for r in client.get(f"{API}/market-reports", **auth(cast[who])).json()] == [report["id"]], who
    for who in ("bob", "charlie", "dora", "max"):  # another manager, another area, other staff, the officer
        assert client.get(url, **auth(cast[who])).status_code == 404, who
        assert login(cast[who]).get(page).status_code == 404, who
        assert client.get(f"{API}/market-reports", **auth(cast[who])).json() == [], who


def test_a_violation_stays_with_the_reporter_and_the_officer_even_beside_business_information(cast, client, login,
                                                                                                mia):
    violation = submit(client, cast["alice"], kind="counterfeit", description="疑似假中华")
    info = submit(client, cast["alice"], kind="sales")
    for who in ("bob", "sam", "ada", "mia", "dora", "charlie"):
        assert client.get(f"{API}/market-reports/{violation['id']}", **auth(cast[who])).status_code == 404, who
        listed = client.get(f"{API}/market-reports", **auth(cast[who])).json()
        assert violation["id"] not in [r["id"] for r in listed], who
        assert "疑似假中华" not in login(cast[who]).get(reverse("monopoly:list")).content.decode(), who
    officer = client.get(f"{API}/market-reports", **auth(cast["max"])).json()
    assert [r["id"] for r in officer] == [violation["id"]]  # the officer's queue: violations only
    assert client.get(f"{API}/market-reports/{info['id']}", **auth(cast["max"])).status_code == 404
    # The supervisor's list holds the team's business information, not the violation.
    assert [r["id"] for r in client.get(f"{API}/market-reports", **auth(cast["sam"])).json()] == [info["id"]]


def test_marketing_notes_then_passes_it_on_and_the_reporter_sees_it(cast, client, mia,
                                                                    django_capture_on_commit_callbacks):
    report = submit(client, cast["alice"], kind="competitor")
    url = f"{API}/market-reports/{report['id']}/acknowledge"
    for who, status in (("alice", 403), ("sam", 403), ("ada", 403), ("bob", 404), ("max", 404)):
        assert client.post(url, {"status": "noted"}, content_type="application/json",
                           **auth(cast[who])).status_code == status, who
    bad = client.post(url, {"status": "confirmed"}, content_type="application/json", **auth(mia))
    assert bad.status_code == 400 and bad.json()["field"] == "status"
    with django_capture_on_commit_callbacks(execute=True):
        noted = client.post(url, {"status": "noted"}, content_type="application/json", **auth(mia))
    assert noted.status_code == 200 and noted.json()["status"] == "noted"
    with django_capture_on_commit_callbacks(execute=True):
        passed = client.post(url, {"status": "passed_on", "outcome": "已汇总报市局营销中心"},
                             content_type="application/json", **auth(mia))
    assert passed.status_code == 200, passed.content
    seen = client.get(f"{API}/market-reports/{report['id']}", **auth(cast["alice"])).json()
    assert (seen["status"], seen["outcome"], seen["decided_by"]) == ("passed_on", "已汇总报市局营销中心", "mia")
    assert client.post(url, {"status": "noted"}, content_type="application/json", **auth(mia)).status_code == 409
    notices = Notice.objects.filter(recipient=cast["alice"], kind="report_outcome")
    assert notices.count() == 2
    with translation.override("en"):
        assert notices.first().rendered() == f"Your market information #{report['id']}: passed on by marketing"


def test_the_officer_cannot_decide_business_information_nor_marketing_a_violation(cast, client, mia):
    info = submit(client, cast["alice"], kind="trend")
    violation = submit(client, cast["alice"], kind="smuggled")
    assert client.post(f"{API}/market-reports/{info['id']}/outcome", {"status": "confirmed", "outcome": "x"},
                       content_type="application/json", **auth(cast["max"])).status_code == 404
    assert client.post(f"{API}/market-reports/{violation['id']}/acknowledge", {"status": "noted"},
                       content_type="application/json", **auth(mia)).status_code == 404


def test_marketing_acknowledges_on_the_page(cast, client, login, mia):
    report = submit(client, cast["alice"], kind="demand")
    page = login(mia)
    queue = page.get(reverse("monopoly:list"))
    assert queue.context["marketing"] and [r.pk for r in queue.context["page"]] == [report["id"]]
    detail = page.get(reverse("monopoly:detail", args=[report["id"]]))
    assert detail.context["acknowledge_form"] is not None
    assert login(cast["sam"]).get(reverse("monopoly:detail", args=[report["id"]])).context["acknowledge_form"] is None
    response = page.post(reverse("monopoly:acknowledge", args=[report["id"]]), {"status": "passed_on", "outcome": ""})
    assert response.status_code == 302
    assert MarketReport.objects.get().status == "passed_on"
    assert login(cast["sam"]).post(reverse("monopoly:acknowledge", args=[report["id"]]),
                                   {"status": "noted"}).status_code == 403
    assert list(page.get(reverse("monopoly:list")).context["page"]) == []  # the queue is empty


def test_the_page_form_groups_the_kinds_and_says_where_each_goes(cast, login):
    alice = login(cast["alice"])
    form = {"client_uuid": str(uuid.uuid4()), "kind": "sales", "description": "整条销售回暖", "address": "",
            "latitude": "34.72", "longitude": "116.93", "accuracy_m": "12", "customer_code": "", "store_q": ""}
    with translation.override("en"):
        page = alice.get(reverse("monopoly:new")).content.decode()
    assert "<optgroup" in page and 'value="sales"' in page and 'value="counterfeit"' in page
    response = alice.post(reverse("monopoly:new"), form, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert "sent to marketing" in response.content.decode()
    assert MarketReport.objects.get().category == "business"


def test_the_menu_and_pages_say_market_information(cast, login, mia):
    for who in ("alice", "sam", "max", "mia"):
        with translation.override("zh-hans"):
            html = login(cast[who]).get(reverse("monopoly:list"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert "市场信息" in html and "举报" not in html, who
    summary_link = reverse("monopoly:summary")
    assert summary_link in login(cast["sam"]).get(reverse("monopoly:list")).content.decode()
    assert summary_link in login(mia).get(reverse("monopoly:list")).content.decode()
    assert summary_link not in login(cast["alice"]).get(reverse("monopoly:list")).content.decode()


# --- the monthly summary ----------------------------------------------------------------------------------


def _month(client, cast, store):
    """December 2026 in the town area: alice's business information and a violation, bob's trend, charlie's
    (rural) report, a report seen on 30 November (Shanghai) and the visits' opinions."""
    submit(client, cast["alice"], kind="hot_topic", description="零售户关心新品细支烟的投放")
    submit(client, cast["alice"], kind="hot_topic", description="细支烟咨询多")
    submit(client, cast["bob"], kind="trend", description="高端烟走势平稳")
    submit(client, cast["alice"], kind="counterfeit", description="疑似假中华")
    submit(client, cast["charlie"], kind="sales", description="农村市场动销一般")
    # 1 December 00:30 in Shanghai is 30 November in UTC: still December.
    submit(client, cast["alice"], kind="difficulty", description="资金周转难",
           observed_at=datetime(2026, 12, 1, 0, 30, tzinfo=SHANGHAI).isoformat())
    # 30 November 23:30 in Shanghai: November, though sent in December.
    submit(client, cast["alice"], kind="difficulty", description="上月的难点",
           observed_at=datetime(2026, 11, 30, 23, 30, tzinfo=SHANGHAI).isoformat())
    visit = make_visit(store, NOW - timedelta(days=2))
    VisitOpinion.objects.create(visit=visit, topic="supply", text="中华(硬)货源偏紧")
    VisitOpinion.objects.create(visit=visit, topic="delivery", text="送货时间希望提前")
    later = make_visit(store, NOW - timedelta(days=1))
    VisitOpinion.objects.create(visit=later, topic="supply", text="希望增加细支烟投放")
    november = make_visit(store, datetime(2026, 11, 30, 23, 0, tzinfo=SHANGHAI))
    VisitOpinion.objects.create(visit=november, topic="price", text="上月的意见")
    charlies = make_visit(make_customer(cast["charlie"]), NOW - timedelta(days=1))
    VisitOpinion.objects.create(visit=charlies, topic="price", text="农村价格意见")


def test_the_month_summary_counts_by_kind_lists_business_information_and_reads_the_opinions(cast, client, frozen):
    _month(client, cast, make_customer(cast["alice"], name="惠民超市"))
    summary = month_summary(cast["town"], NOW.date())
    counts = {k.kind: k.count for k in summary.kinds}
    assert counts["hot_topic"] == 2 and counts["trend"] == 1 and counts["difficulty"] == 1
    assert counts["counterfeit"] == 1 and counts["sales"] == 0  # charlie's is the rural area's
    assert (summary.business, summary.violations, summary.visits) == (4, 1, 2)
    assert [r.description for r in summary.items] == ["资金周转难", "零售户关心新品细支烟的投放", "细支烟咨询多",
                                                      "高端烟走势平稳"]  # in the order observed, no violation
    assert [(t.topic, t.count) for t in summary.opinions] == [("supply", 2), ("delivery", 1)]
    assert [q["text"] for q in summary.opinions[0].quotes] == ["希望增加细支烟投放", "中华(硬)货源偏紧"]
    assert summary.opinions[0].quotes[0]["store"] == "惠民超市"
    november = month_summary(cast["town"], datetime(2026, 11, 5).date())
    assert [r.description for r in november.items] == ["上月的难点"]
    assert [(t.topic, t.count) for t in november.opinions] == [("price", 1)]


def test_the_summary_page_shows_counts_never_violation_content(cast, client, login, frozen, mia):
    _month(client, cast, make_customer(cast["alice"]))
    for who in ("sam", "mia", "ada"):
        page = login(cast[who]).get(reverse("monopoly:summary"), {"month": "2026-12", "area": cast["town"].pk})
        assert page.status_code == 200, who
        html = page.content.decode()
        assert "细支烟咨询多" in html and "中华(硬)货源偏紧" in html, who
        assert "疑似假中华" not in html, who  # a violation is a count here, never its content
        assert page.context["summary"].violations == 1
    default = login(cast["sam"]).get(reverse("monopoly:summary"))  # this month, the supervisor's own area
    assert default.context["summary"].area == cast["town"] and default.context["month"] == NOW.date().replace(day=1)
    rural = login(mia).get(reverse("monopoly:summary"), {"month": "2026-12", "area": cast["rural"].pk})
    assert [r.description for r in rural.context["summary"].items] == ["农村市场动销一般"]


def test_the_summary_is_refused_to_managers_officers_and_other_areas(cast, client, login, frozen, mia):
    url = reverse("monopoly:summary")
    for who in ("alice", "max", "dora"):
        assert login(cast[who]).get(url).status_code == 403, who
        assert client.get(f"{API}/market-reports/summary", **auth(cast[who])).status_code == 403, who
        assert login(cast[who]).get(reverse("monopoly:summary_export")).status_code == 403, who
    rural = {"month": "2026-12", "area": cast["rural"].pk}
    assert login(cast["sam"]).get(url, rural).status_code == 404  # another area's summary
    assert login(cast["sam"]).get(reverse("monopoly:summary_export"), rural).status_code == 404
    assert client.get(f"{API}/market-reports/summary", {"area": cast["rural"].pk}, **auth(cast["sam"])).status_code == 404
    assert login(cast["sam"]).get(url, {"area": "99999999999999999999"}).status_code == 200  # said, own area shown
    assert login(cast["sam"]).get(url, {"month": "garbage"}).status_code == 200  # said, and this month shown


def test_the_summary_api(cast, client, frozen, mia):
    _month(client, cast, make_customer(cast["alice"]))
    response = client.get(f"{API}/market-reports/summary", {"month": "2026-12-31", "area": cast["town"].pk},
                          **auth(mia))
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["area"], data["month"], data["visits"]) == (cast["town"].pk, "2026-12-01", 2)
    assert {"kind": "counterfeit", "category": "violation", "count": 1} in data["kinds"]
    assert [i["kind"] for i in data["items"]] == ["difficulty", "hot_topic", "hot_topic", "trend"]
    assert [(t["topic"], t["count"]) for t in data["opinions"]] == [("supply", 2), ("delivery", 1)]
    assert "疑似假中华" not in response.content.decode()
    mine = client.get(f"{API}/market-reports/summary", **auth(cast["sam"])).json()
    assert mine["area"] == cast["town"].pk and mine["month"] == "2026-12-01"


def test_the_summary_exports_to_xlsx(cast, client, login, frozen):
    _month(client, cast, make_customer(cast["alice"]))
    response = login(cast["sam"]).get(reverse("monopoly:summary_export"), {"month": "2026-12"},
                                      HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Counts", "Business information", "Retailers' opinions"]
    counts = {row[0]: row[2] for row in book["Counts"].iter_rows(min_row=4, values_only=True) if row[0]}
    assert counts["Retailers' hot topic"] == 2 and counts["Suspected counterfeit cigarettes"] == 1
    items = [row[5] for row in book["Business information"].iter_rows(min_row=2, values_only=True)]
    assert items == ["资金周转难", "零售户关心新品细支烟的投放", "细支烟咨询多", "高端烟走势平稳"]
    everything = " ".join(str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row)
    assert "疑似假中华" not in everything and "中华(硬)货源偏紧" in everything
