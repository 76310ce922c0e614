"""Market reports to the monopoly office (duty 5): submitted once per client_uuid, seen only by the reporter
and the company's monopoly officers (everyone else 404, on pages and API, photos included), decided by an
officer with the outcome the reporter then sees, and every opening logged."""

import uuid
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from fieldcrm.monopoly.models import MarketReport, ReportView
from fieldcrm.notices.models import Notice
from fieldcrm.org.models import User
from fieldcrm.photos.models import Photo
from tests.factories import auth, image_bytes, make_customer, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]
API = "/api/v1"


def body(**fields) -> dict:
    return {"client_uuid": str(uuid.uuid4()), "kind": "smuggled", "description": "柜台有外省烟，无本地条码",
            "observed_at": timezone.now().isoformat(), "latitude": 34.7216, "longitude": 116.9372, **fields}


def submit(client, user, **fields):
    return client.post(f"{API}/market-reports", body(**fields), content_type="application/json", **auth(user))


def add_photo(client, user, report_id) -> int:
    response = client.post(f"{API}/photos", {
        "client_uuid": str(uuid.uuid4()), "owner_type": "market_report", "owner_id": report_id,
        "taken_at": timezone.now().isoformat(), "file": SimpleUploadedFile("p.jpg", image_bytes())}, **auth(user))
    assert response.status_code == 201, response.content
    return response.json()["id"]


def test_a_report_is_submitted_once_per_client_uuid(cast, client):
    shop = make_customer(cast["alice"])
    first = submit(client, cast["alice"], customer_code=shop.customer_code)
    assert first.status_code == 201, first.content
    assert first.json()["status"] == "submitted" and first.json()["customer_code"] == shop.customer_code
    again = submit(client, cast["alice"], client_uuid=first.json()["client_uuid"], description="改过的描述")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert MarketReport.objects.get().description == "柜台有外省烟，无本地条码"  # evidence is not rewritten


def test_a_place_that_is_not_a_customer(cast, client):
    response = submit(client, cast["alice"], kind="unlicensed", address="沛县汉源大道路边无证摊点")
    assert response.status_code == 201 and response.json()["customer_code"] is None
    assert response.json()["address"] == "沛县汉源大道路边无证摊点"


def test_a_store_the_reporter_cannot_see_is_404_and_staff_do_not_report(cast, client):
    bobs = make_customer(cast["bob"])
    assert submit(client, cast["alice"], customer_code=bobs.customer_code).status_code == 404
    assert submit(client, cast["dora"]).status_code == 403
    assert submit(client, cast["max"]).status_code == 403
    assert not MarketReport.objects.exists()


@pytest.mark.parametrize("shift,field", [(timedelta(hours=1), "observed_at"), (-timedelta(days=31), "observed_at")])
def test_an_observation_time_far_off_is_refused(cast, client, shift, field):
    response = submit(client, cast["alice"], observed_at=(timezone.now() + shift).isoformat())
    assert response.status_code == 400 and response.json()["field"] == field


def test_a_report_is_invisible_to_everyone_but_the_reporter_and_the_officer(cast, client, login):
    report_id = submit(client, cast["alice"]).json()["id"]
    photo_id = add_photo(client, cast["alice"], report_id)
    page = reverse("monopoly:detail", args=[report_id])
    for who in ("bob", "charlie", "sam", "dora", "ada"):
        user = cast[who]
        assert client.get(f"{API}/market-reports/{report_id}", **auth(user)).status_code == 404, who
        assert client.get(f"{API}/market-reports", **auth(user)).json() == [], who
        assert client.get(f"{API}/photos/{photo_id}", **auth(user)).status_code == 404, who
        assert client.get(f"{API}/photos/{photo_id}/file", **auth(user)).status_code == 404, who
        assert login(user).get(page).status_code == 404, who
        assert client.post(f"{API}/market-reports/{report_id}/outcome", {"status": "confirmed", "outcome": "x"},
                           content_type="application/json", **auth(user)).status_code == 404, who
    for who in ("alice", "max"):
        assert client.get(f"{API}/market-reports/{report_id}", **auth(cast[who])).status_code == 200, who
        assert login(cast[who]).get(page).status_code == 200, who
    assert not ReportView.objects.filter(viewer__username__in=["bob", "charlie", "sam", "dora", "ada"]).exists()


def test_the_officer_confirms_and_the_reporter_sees_the_outcome(cast, client, django_capture_on_commit_callbacks):
    report_id = submit(client, cast["alice"]).json()["id"]
    queue = client.get(f"{API}/market-reports?status=submitted", **auth(cast["max"])).json()
    assert [r["id"] for r in queue] == [report_id]
    outcome = {"status": "confirmed", "outcome": "已查获外省烟12条，移交稽查"}
    assert client.post(f"{API}/market-reports/{report_id}/outcome", outcome, content_type="application/json",
                       **auth(cast["alice"])).status_code == 403  # the reporter does not judge her own report
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{API}/market-reports/{report_id}/outcome", outcome,
                               content_type="application/json", **auth(cast["max"]))
    assert response.status_code == 200, response.content
    seen = client.get(f"{API}/market-reports/{report_id}", **auth(cast["alice"])).json()
    assert (seen["status"], seen["outcome"], seen["decided_by"]) == ("confirmed", outcome["outcome"], "max")
    notice = Notice.objects.get(recipient=cast["alice"])
    assert notice.kind == "report_outcome" and notice.link == reverse("monopoly:detail", args=[report_id])
    assert "外省烟" not in notice.text  # a notice may leave the system: it names the report, not its content
    again = client.post(f"{API}/market-reports/{report_id}/outcome", {"status": "unfounded", "outcome": "改判"},
                        content_type="application/json", **auth(cast["max"]))
    assert again.status_code == 409
    assert client.get(f"{API}/market-reports?status=submitted", **auth(cast["max"])).json() == []


def test_the_outcome_must_be_a_decision_with_text(cast, client):
    report_id = submit(client, cast["alice"]).json()["id"]
    url = f"{API}/market-reports/{report_id}/outcome"
    response = client.post(url, {"status": "submitted", "outcome": "x"}, content_type="application/json",
                           **auth(cast["max"]))
    assert response.status_code == 400 and response.json()["field"] == "status"
    response = client.post(url, {"status": "referred", "outcome": "  "}, content_type="application/json",
                           **auth(cast["max"]))
    assert response.status_code == 400 and response.json()["field"] == "outcome"


def test_the_view_log_records_who_opened_it(cast, client, login):
    report_id = submit(client, cast["alice"]).json()["id"]
    photo_id = add_photo(client, cast["alice"], report_id)
    client.get(f"{API}/market-reports/{report_id}", **auth(cast["max"]))
    login(cast["alice"]).get(reverse("monopoly:detail", args=[report_id]))
    client.get(f"{API}/photos/{photo_id}/file", **auth(cast["max"]))
    log = [(v.viewer.username, v.photo_id) for v in ReportView.objects.filter(report_id=report_id)]
    assert log == [("max", None), ("alice", None), ("max", photo_id)]
    page = login(cast["max"]).get(reverse("monopoly:detail", args=[report_id]))
    assert b"max" in page.content and page.context["views"]


def test_supervisors_see_counts_per_manager_never_content(cast, client, login):
    for _n in range(2):
        submit(client, cast["alice"])
    submit(client, cast["bob"])
    submit(client, cast["charlie"])  # another area
    counts = client.get(f"{API}/market-reports/counts", **auth(cast["sam"]))
    assert counts.status_code == 200
    assert counts.json() == [{"manager": "alice", "full_name": "王丽", "reports": 2, "received": 2},
                             {"manager": "bob", "full_name": "李强", "reports": 1, "received": 1}]
    assert len(client.get(f"{API}/market-reports/counts", **auth(cast["ada"])).json()) == 3
    assert client.get(f"{API}/market-reports/counts", **auth(cast["alice"])).status_code == 403
    page = login(cast["sam"]).get(reverse("monopoly:counts"))
    assert page.status_code == 200 and "王丽" in page.content.decode()
    assert "外省烟" not in page.content.decode()
    assert login(cast["alice"]).get(reverse("monopoly:counts")).status_code == 403


def test_a_manager_reports_on_the_page_with_photos(cast, login):
    shop = make_customer(cast["alice"])
    page = login(cast["alice"])
    form = {"client_uuid": str(uuid.uuid4()), "kind": "minors", "description": "向学生售烟",
            "customer_code": shop.customer_code, "address": "", "latitude": "34.72", "longitude": "116.93",
            "accuracy_m": "12", "photos": [SimpleUploadedFile("a.jpg", image_bytes()),
                                           SimpleUploadedFile("b.png", image_bytes("PNG"))]}
    response = page.post(reverse("monopoly:new"), form)
    report = MarketReport.objects.get()
    assert response.status_code == 302 and response.url == reverse("monopoly:detail", args=[report.pk])
    assert (report.reporter, report.customer, report.kind) == (cast["alice"], shop, "minors")
    assert Photo.objects.of(report).count() == 2
    form["photos"] = [SimpleUploadedFile("a.jpg", image_bytes()), SimpleUploadedFile("b.png", image_bytes("PNG"))]
    page.post(reverse("monopoly:new"), form)  # sent twice: nothing doubles
    assert MarketReport.objects.count() == 1 and Photo.objects.count() == 2
    with translation.override("en"):
        mine = page.get(reverse("monopoly:list"))
    assert "向学生售烟" in mine.content.decode() and mine.context["status"] == "all"
    shown = page.get(reverse("monopoly:detail", args=[report.pk]))
    for photo in Photo.objects.of(report):
        url = reverse("api:photo_file", args=[photo.pk])
        assert url in shown.content.decode()
        assert page.get(url).status_code == 200  # the page's <img> loads through the session


def test_a_page_form_without_a_position_or_with_a_bad_photo_stores_nothing(cast, login):
    page = login(cast["alice"])
    form = {"client_uuid": str(uuid.uuid4()), "kind": "price", "description": "中华标价高于规定"}
    assert page.post(reverse("monopoly:new"), form).status_code == 200  # the form again, asking for a position
    bad = {**form, "latitude": "34.72", "longitude": "116.93", "photos": [SimpleUploadedFile("x.jpg", b"not an image")]}
    page.post(reverse("monopoly:new"), bad)
    assert not MarketReport.objects.exists() and not Photo.objects.exists()


def test_the_officer_decides_on_the_page(cast, client, login):
    report_id = submit(client, cast["alice"]).json()["id"]
    officer = login(cast["max"])
    queue = officer.get(reverse("monopoly:list"))
    assert list(queue.context["page"]) == [MarketReport.objects.get()]
    response = officer.post(reverse("monopoly:outcome", args=[report_id]),
                            {"status": "referred", "outcome": "转交市局稽查"})
    assert response.status_code == 302
    report = MarketReport.objects.get()
    assert (report.status, report.decided_by) == ("referred", cast["max"])
    mine = login(cast["alice"]).get(reverse("monopoly:detail", args=[report_id]))
    assert "转交市局稽查" in mine.content.decode()
    assert login(cast["alice"]).post(reverse("monopoly:outcome", args=[report_id]),
                                     {"status": "confirmed", "outcome": "x"}).status_code == 403


def _form(**fields) -> dict:
    return {"client_uuid": str(uuid.uuid4()), "kind": "counterfeit", "description": "疑似假中华", "address": "",
            "latitude": "34.72", "longitude": "116.93", "accuracy_m": "12", "customer_code": "", "store_q": "",
            **fields}


def test_the_form_finds_the_store_by_name_code_or_address_among_the_reporters_own(cast, login):
    mine = make_customer(cast["alice"], name="惠民超市", address="沛县汉源大道8号")
    make_customer(cast["alice"], name="惠民便利店", address="沛县汉兴路1号")
    bobs = make_customer(cast["bob"], name="惠民烟酒行")
    alice = login(cast["alice"])
    search = reverse("monopoly:store_search")
    found = alice.get(search, {"store_q": "惠民"})
    assert [c.name for c in found.context["stores"]] == ["惠民便利店", "惠民超市"]  # not bob's store
    assert found.context["optional"] and 'name="customer_code"' in found.content.decode()
    assert [c.pk for c in alice.get(search, {"store_q": "汉源大道"}).context["stores"]] == [mine.pk]
    assert [c.pk for c in alice.get(search, {"store_q": mine.customer_code[:5]}).context["stores"]] != []
    assert alice.get(search, {"store_q": bobs.customer_code}).context["stores"] == []
    assert login(cast["dora"]).get(search, {"store_q": "惠民"}).status_code == 403
    form_page = alice.get(reverse("monopoly:new")).content.decode()
    assert search in form_page and 'name="store_q"' in form_page

    picked = alice.post(reverse("monopoly:new"), _form(customer_code=mine.customer_code, store_q="惠民"))
    assert picked.status_code == 302 and MarketReport.objects.get().customer == mine
    typed = alice.post(reverse("monopoly:new"), _form(store_q="汉源大道"))  # no JS: the one match is taken
    assert typed.status_code == 302 and MarketReport.objects.latest("pk").customer == mine
    # The page speaks the request's language (LocaleMiddleware), so ask for English explicitly.
    several = alice.post(reverse("monopoly:new"), _form(store_q="惠民"), HTTP_ACCEPT_LANGUAGE="en")
    assert several.status_code == 200 and "Choose one of your stores" in several.content.decode()
    stolen = alice.post(reverse("monopoly:new"), _form(customer_code=bobs.customer_code), HTTP_ACCEPT_LANGUAGE="en")
    assert stolen.status_code == 200 and "Choose one of your stores" in stolen.content.decode()
    assert MarketReport.objects.count() == 2
    kept = alice.post(reverse("monopoly:new"), {**_form(customer_code=mine.customer_code), "latitude": ""})
    assert kept.context["chosen"] == mine and 'checked' in kept.content.decode()  # shown again, still picked


def _files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_a_refused_form_leaves_no_photo_file_on_disk(cast, login, private_media):
    alice = login(cast["alice"])
    photos = [SimpleUploadedFile("a.jpg", image_bytes()), SimpleUploadedFile("b.jpg", b"not an image")]
    response = alice.post(reverse("monopoly:new"), _form(photos=photos))
    assert response.status_code == 200  # the form again, with the refusal
    assert not MarketReport.objects.exists() and not Photo.objects.exists()
    assert _files(private_media) == []  # the first photo was written, then removed with the rollback
    good = [SimpleUploadedFile("a.jpg", image_bytes()), SimpleUploadedFile("b.png", image_bytes("PNG"))]
    assert alice.post(reverse("monopoly:new"), _form(photos=good)).status_code == 302
    # Each photo: the original as received and the copy without EXIF kept for downloads.
    assert len(_files(private_media)) == 4 == 2 * Photo.objects.count()


WEDNESDAY = datetime(2026, 12, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_counts_by_the_day_observed_for_this_week_this_month_or_chosen_days(cast, client, login, time_machine):
    time_machine.move_to(WEDNESDAY, tick=False)
    late = (WEDNESDAY - timedelta(days=3)).isoformat()  # seen on Sunday 29 November, sent on Wednesday
    submit(client, cast["alice"], observed_at=late)
    submit(client, cast["alice"])
    submit(client, cast["bob"], observed_at=(WEDNESDAY - timedelta(days=1)).isoformat())
    sam = login(cast["sam"])
    url = reverse("monopoly:counts")

    def counts(**params):
        page = sam.get(url, params)
        assert page.status_code == 200
        return [(r["manager"], r["reports"], r["received"]) for r in page.context["rows"]]

    assert counts(period="week") == [("alice", 1, 2), ("bob", 1, 1)]
    assert counts() == counts(period="month") == [("alice", 1, 2), ("bob", 1, 1)]  # this month by default
    assert counts(period="days", start="2026-11-29", end="2026-11-29") == [("alice", 1, 0), ("bob", 0, 0)]
    assert counts(period="days", start="2026-11-23", end="2026-12-02") == [("alice", 2, 2), ("bob", 1, 1)]
    page = sam.get(url, {"period": "days", "start": "2026-12-02", "end": "2026-11-01"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "The first day is after the last day." in page.content.decode()  # said, and this month shown
    assert (page.context["first"], page.context["last"]) == (WEDNESDAY.date().replace(day=1), WEDNESDAY.date())
    assert "疑似" not in page.content.decode() and "外省烟" not in page.content.decode()


def test_counts_list_the_whole_team_in_a_fixed_number_of_queries(cast, client, login):
    submit(client, cast["alice"])
    sam = login(cast["sam"])
    with CaptureQueriesContext(connection) as few:
        rows = sam.get(reverse("monopoly:counts")).context["rows"]
    assert [(r["manager"], r["reports"]) for r in rows] == [("alice", 1), ("bob", 0)]  # bob reported nothing
    for n in range(5):
        submit(client, make_user(f"m{n}", User.Role.MANAGER, cast["company"], area=cast["town"]))
    with CaptureQueriesContext(connection) as many:
        assert len(sam.get(reverse("monopoly:counts")).context["rows"]) == 7
    assert len(few) == len(many)
