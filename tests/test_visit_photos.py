"""A visit's photos (display, shelf, price tags): attached by the visit's manager while the visit is fresh,
replayed by client_uuid without a second copy, seen by whoever sees the visit (its manager, the area's
supervisor, the company's admin) and by no one else, listed with their SHA-256 on the visit."""

import hashlib
import uuid
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fieldcrm.org.models import ApiToken
from fieldcrm.photos.models import Photo
from fieldcrm.visits.models import Visit
from fieldcrm.visits.photos import PHOTO_WINDOW
from tests.factories import CENTRE, TODAY, image_bytes, make_customer

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture(autouse=True)
def _today_and_private_media(time_machine, settings, tmp_path):
    time_machine.move_to(TODAY, tick=False)
    settings.MEDIA_ROOT = tmp_path / "media"


def auth(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(user)}", "HTTP_ACCEPT_LANGUAGE": "en"}


def record_visit(client, user, store) -> int:
    body = {"client_uuid": str(uuid.uuid4()), "customer_code": store.customer_code,
            "checked_in_at": (TODAY - timedelta(minutes=20)).isoformat(), "latitude": CENTRE[0],
            "longitude": CENTRE[1], "checked_out_at": TODAY.isoformat()}
    response = client.post(f"{API}/visits", body, content_type="application/json", **auth(user))
    assert response.status_code == 201, response.content
    return response.json()["id"]


def upload(client, user, visit_id, data, *, client_uuid=None, **fields):
    body = {"client_uuid": str(client_uuid or uuid.uuid4()), "owner_type": "visit", "owner_id": visit_id,
            "taken_at": (TODAY - timedelta(minutes=10)).isoformat(), "latitude": CENTRE[0] + 0.0001,
            "longitude": CENTRE[1], "file": SimpleUploadedFile("shelf.jpg", data, content_type="image/jpeg"),
            **fields}
    return client.post(f"{API}/photos", body, **auth(user))


@pytest.fixture
def visit(cast, client):
    store = make_customer(cast["alice"], latitude=CENTRE[0], longitude=CENTRE[1])
    return record_visit(client, cast["alice"], store)


def test_photos_of_a_visit_are_kept_with_their_hash_and_listed_on_the_visit(cast, client, visit):
    shelf, tags = image_bytes(gps=True), image_bytes(colour=(0, 90, 200))
    first = upload(client, cast["alice"], visit, shelf)
    second = upload(client, cast["alice"], visit, tags)
    assert (first.status_code, second.status_code) == (201, 201), first.content
    assert first.json()["owner_type"] == "visit" and first.json()["owner_id"] == visit
    assert first.json()["sha256"] == hashlib.sha256(shelf).hexdigest()

    listed = client.get(f"{API}/visits/{visit}", **auth(cast["alice"])).json()["photos"]
    assert [p["sha256"] for p in listed] == [hashlib.sha256(d).hexdigest() for d in (shelf, tags)]
    assert listed[0]["latitude"] == CENTRE[0] + 0.0001 and listed[0]["url"] == f"{API}/photos/{listed[0]['id']}/file"
    served = client.get(listed[0]["url"], **auth(cast["sam"]))
    assert served.status_code == 200 and b"PhoneMaker" not in served.content  # no EXIF in what leaves


def test_a_replayed_photo_is_stored_once(cast, client, visit):
    same = uuid.uuid4()
    first = upload(client, cast["alice"], visit, image_bytes(), client_uuid=same)
    again = upload(client, cast["alice"], visit, image_bytes(), client_uuid=same)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and Photo.objects.count() == 1
    assert upload(client, cast["alice"], visit, image_bytes(colour=(1, 2, 3)), client_uuid=same).status_code == 409
    assert Photo.objects.count() == 1


def test_who_sees_a_visits_photos_and_who_attaches_them(cast, client, visit):
    photo = upload(client, cast["alice"], visit, image_bytes()).json()["id"]
    for who in ("alice", "sam", "ada"):  # the manager, the area's supervisor, the company admin
        assert client.get(f"{API}/photos/{photo}", **auth(cast[who])).status_code == 200, who
    for who in ("bob", "charlie", "dora", "max"):  # another manager, another area, staff, the monopoly office
        for url in (f"{API}/photos/{photo}", f"{API}/photos/{photo}/file"):
            assert client.get(url, **auth(cast[who])).status_code == 404, (who, url)
    assert upload(client, cast["bob"], visit, image_bytes()).status_code == 404
    assert upload(client, cast["sam"], visit, image_bytes()).status_code == 403  # sees it, made no visit
    assert upload(client, cast["alice"], 10**9, image_bytes()).status_code == 404
    assert Photo.objects.count() == 1


def test_bad_photo_input_is_named(cast, client, visit):
    cases = [({"taken_at": (TODAY + timedelta(hours=1)).isoformat()}, "taken_at"),
             ({"latitude": 91}, None),  # the schema's range: 422 naming latitude
             ({"longitude": ""}, None)]
    for fields, field in cases:
        response = upload(client, cast["alice"], visit, image_bytes(), **fields)
        if field:
            assert response.status_code == 400 and response.json()["field"] == field, response.content
        else:
            assert response.status_code in (400, 422) and "itude" in response.content.decode(), response.content
    not_a_photo = upload(client, cast["alice"], visit, b"%PDF-1.4")
    assert not_a_photo.status_code == 400 and not_a_photo.json()["field"] == "file"
    assert not Photo.objects.exists()


def test_a_visit_takes_photos_only_while_fresh_but_a_replay_still_answers(cast, client, visit, time_machine):
    kept = uuid.uuid4()
    assert upload(client, cast["alice"], visit, image_bytes(), client_uuid=kept).status_code == 201
    time_machine.move_to(Visit.objects.get(pk=visit).created_at + PHOTO_WINDOW - timedelta(minutes=1), tick=False)
    late_but_in = upload(client, cast["alice"], visit, image_bytes(), taken_at=timezone.now().isoformat())
    assert late_but_in.status_code == 201
    time_machine.move_to(Visit.objects.get(pk=visit).created_at + PHOTO_WINDOW + timedelta(minutes=1), tick=False)
    closed = upload(client, cast["alice"], visit, image_bytes(), taken_at=timezone.now().isoformat())
    assert closed.status_code == 409 and "3 days" in closed.json()["detail"]
    assert upload(client, cast["alice"], visit, image_bytes(), client_uuid=kept).status_code == 200  # a replay
    assert Photo.objects.count() == 2


def test_a_market_reports_photos_still_work_beside_visits(cast, client, visit):
    body = {"client_uuid": str(uuid.uuid4()), "kind": "counterfeit", "description": "疑似假烟",
            "observed_at": TODAY.isoformat(), "latitude": CENTRE[0], "longitude": CENTRE[1]}
    report = client.post(f"{API}/market-reports", body, content_type="application/json", **auth(cast["alice"]))
    photo = upload(client, cast["alice"], report.json()["id"], image_bytes(), owner_type="market_report")
    assert photo.status_code == 201 and photo.json()["owner_type"] == "market_report"
    assert client.get(f"{API}/visits/{visit}", **auth(cast["alice"])).json()["photos"] == []
    assert client.get(f"{API}/photos/{photo.json()['id']}", **auth(cast["sam"])).status_code == 404
