"""Evidence photos: stored exactly as received (SHA-256 of those bytes), replayed by client_uuid, checked by
content and size, and served only to those who may see the owner, as a copy without EXIF."""

import hashlib
import io
import uuid
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from fieldcrm.monopoly.models import MarketReport, ReportView
from fieldcrm.photos.models import Photo
from tests.factories import auth, image_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]
API = "/api/v1"


def new_report(client, user) -> int:
    body = {"client_uuid": str(uuid.uuid4()), "kind": "counterfeit", "description": "疑似假中华，包装颜色偏淡",
            "observed_at": timezone.now().isoformat(), "latitude": 34.72, "longitude": 116.93}
    response = client.post(f"{API}/market-reports", body, content_type="application/json", **auth(user))
    assert response.status_code == 201, response.content
    return response.json()["id"]


def upload(client, user, report_id, data, *, client_uuid=None, name="p.jpg", **fields):
    body = {"client_uuid": str(client_uuid or uuid.uuid4()), "owner_type": "market_report", "owner_id": report_id,
            "taken_at": timezone.now().isoformat(), "latitude": 34.7216, "longitude": 116.9372,
            "file": SimpleUploadedFile(name, data, content_type="image/jpeg"), **fields}
    return client.post(f"{API}/photos", body, **auth(user))


def test_a_photo_is_stored_as_received_with_its_sha256(cast, client):
    report = new_report(client, cast["alice"])
    data = image_bytes("JPEG", gps=True)
    response = upload(client, cast["alice"], report, data)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["sha256"] == hashlib.sha256(data).hexdigest() and body["size"] == len(data)
    assert body["owner_type"] == "market_report" and body["content_type"] == "image/jpeg"
    photo = Photo.objects.get()
    with photo.file.open("rb") as stored:
        assert stored.read() == data
    assert (photo.latitude, photo.longitude) == (34.7216, 116.9372)  # the client's fields, not EXIF


def test_a_replay_returns_the_first_photo_and_another_file_is_a_conflict(cast, client):
    report = new_report(client, cast["alice"])
    same = uuid.uuid4()
    first = upload(client, cast["alice"], report, image_bytes(), client_uuid=same)
    again = upload(client, cast["alice"], report, image_bytes(), client_uuid=same)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    other = upload(client, cast["alice"], report, image_bytes(colour=(0, 0, 255)), client_uuid=same)
    assert other.status_code == 409
    assert Photo.objects.count() == 1


def test_the_served_copy_has_no_exif_and_the_original_keeps_its_hash(cast, client):
    report = new_report(client, cast["alice"])
    data = image_bytes("JPEG", gps=True)
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)  # the test photo does carry GPS
    photo_id = upload(client, cast["alice"], report, data).json()["id"]
    response = client.get(f"{API}/photos/{photo_id}/file", **auth(cast["max"]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    served = Image.open(io.BytesIO(response.content))
    assert served.format == "JPEG" and served.size == (32, 24)
    assert not served.getexif() and "exif" not in served.info
    assert b"PhoneMaker" not in response.content
    with Photo.objects.get().file.open("rb") as stored:
        assert hashlib.sha256(stored.read()).hexdigest() == Photo.objects.get().sha256 == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_png_and_webp_are_accepted(cast, client, fmt):
    report = new_report(client, cast["alice"])
    response = upload(client, cast["alice"], report, image_bytes(fmt), name="p.bin")
    assert response.status_code == 201, response.content
    assert response.json()["content_type"] == f"image/{fmt.lower()}"
    assert client.get(response.json()["url"], **auth(cast["alice"])).status_code == 200


def test_what_is_not_a_photo_is_refused_naming_the_file(cast, client):
    report = new_report(client, cast["alice"])
    for data in (b"%PDF-1.4 not a photo", image_bytes("GIF")):
        response = upload(client, cast["alice"], report, data)
        assert response.status_code == 400 and response.json()["field"] == "file", response.content
    assert not Photo.objects.exists()


def test_a_photo_with_too_many_pixels_is_refused(cast, client, monkeypatch):
    monkeypatch.setattr("fieldcrm.photos.actions.MAX_PIXELS", 32 * 24 - 1)
    report = new_report(client, cast["alice"])
    response = upload(client, cast["alice"], report, image_bytes())
    assert response.status_code == 400 and response.json()["field"] == "file"


def test_a_photo_above_the_limit_is_refused(cast, client, settings):
    settings.PHOTO_MAX_BYTES = 100
    report = new_report(client, cast["alice"])
    response = upload(client, cast["alice"], report, image_bytes())
    assert response.status_code == 413 and "MB" in response.json()["detail"]


def test_a_time_far_off_is_refused(cast, client):
    report = new_report(client, cast["alice"])
    for when in (timezone.now() + timedelta(hours=1), timezone.now() - timedelta(days=31)):
        response = upload(client, cast["alice"], report, image_bytes(), taken_at=when.isoformat())
        assert response.status_code == 400 and response.json()["field"] == "taken_at"


def test_only_the_reporter_attaches_and_only_while_undecided(cast, client):
    report = new_report(client, cast["alice"])
    assert upload(client, cast["bob"], report, image_bytes()).status_code == 404
    assert upload(client, cast["max"], report, image_bytes()).status_code == 403
    assert upload(client, cast["alice"], report, image_bytes(), owner_type="visit").status_code == 404
    kept = uuid.uuid4()
    assert upload(client, cast["alice"], report, image_bytes(), client_uuid=kept).status_code == 201
    MarketReport.objects.filter(pk=report).update(status="confirmed", decided_at=timezone.now())
    assert upload(client, cast["alice"], report, image_bytes()).status_code == 409
    assert upload(client, cast["alice"], report, image_bytes(), client_uuid=kept).status_code == 200  # a replay


def test_photos_are_hidden_like_their_report_and_each_opening_is_logged(cast, client):
    report = new_report(client, cast["alice"])
    photo_id = upload(client, cast["alice"], report, image_bytes()).json()["id"]
    for who in ("bob", "charlie", "sam", "dora", "ada"):
        for url in (f"{API}/photos/{photo_id}", f"{API}/photos/{photo_id}/file"):
            assert client.get(url, **auth(cast[who])).status_code == 404, (who, url)
    assert client.get(f"{API}/photos/{photo_id}", **auth(cast["max"])).status_code == 200
    assert client.get(f"{API}/photos/{photo_id}/file", **auth(cast["alice"])).status_code == 200
    views = ReportView.objects.filter(photo_id=photo_id)
    assert sorted(v.viewer.username for v in views) == ["alice", "max"]
