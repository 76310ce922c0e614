"""A photo is decoded once, whole, when it arrives (issue 16, item 4): a truncated JPEG or a PNG with garbage
pixels is refused at upload (it used to be stored, 201, and then answer 500 on every download), and a download
serves the copy without EXIF kept at upload instead of decoding the image again (memory)."""

import io
import struct
import uuid
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from fieldcrm.photos.models import Photo
from fieldcrm.photos.serving import UNDECODABLE
from tests.factories import auth, image_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]
API = "/api/v1"


@pytest.fixture
def report(cast, client) -> int:
    body = {"client_uuid": str(uuid.uuid4()), "kind": "counterfeit", "description": "疑似假中华",
            "observed_at": timezone.now().isoformat(), "latitude": 34.72, "longitude": 116.93}
    answer = client.post(f"{API}/market-reports", body, content_type="application/json", **auth(cast["alice"]))
    assert answer.status_code == 201, answer.content
    return answer.json()["id"]


def upload(client, user, report, data, name="p.jpg"):
    body = {"client_uuid": str(uuid.uuid4()), "owner_type": "market_report", "owner_id": report,
            "taken_at": timezone.now().isoformat(), "file": SimpleUploadedFile(name, data)}
    return client.post(f"{API}/photos", body, **auth(user))


def png_with_garbage_pixels() -> bytes:
    """A PNG whose chunks are all well-formed (right CRCs, so `verify()` passes) but whose pixel data is not
    a zlib stream."""
    valid = image_bytes("PNG", size=(64, 64))
    start = valid.index(b"IDAT") - 4
    (length,) = struct.unpack(">I", valid[start:start + 4])
    garbage = b"\x78\x9c" + bytes(range(256)) * 4
    chunk = struct.pack(">I", len(garbage)) + b"IDAT" + garbage + struct.pack(">I", zlib.crc32(b"IDAT" + garbage))
    return valid[:start] + chunk + valid[start + 12 + length:]


@pytest.mark.parametrize(("data", "name"), [
    (image_bytes("JPEG", size=(256, 256), gps=False)[:-900], "truncated.jpg"),
    (png_with_garbage_pixels(), "garbage.png"),
])
def test_an_image_that_does_not_decode_is_refused_at_upload(cast, client, report, data, name):
    Image.open(io.BytesIO(data)).verify()  # the header check alone lets it through
    answer = upload(client, cast["alice"], report, data, name)
    assert answer.status_code == 400, answer.content
    assert answer.json()["field"] == "file" and answer.json()["code"]
    assert not Photo.objects.exists()


def test_a_download_serves_the_copy_kept_at_upload(cast, client, report):
    answer = upload(client, cast["alice"], report, image_bytes("JPEG", gps=True))
    assert answer.status_code == 201, answer.content
    photo = Photo.objects.get()
    with photo.shown.open("rb") as shown:
        kept = shown.read()
    assert "GPSInfo" not in str(Image.open(io.BytesIO(kept)).getexif().get_ifd(0x8825) or "")
    photo.file.storage.delete(photo.file.name)  # the download does not read (or decode) the original
    download = client.get(answer.json()["url"], **auth(cast["alice"]))
    assert download.status_code == 200 and download.content == kept


def test_a_photo_stored_before_gets_its_copy_on_its_first_download(cast, client, report):
    answer = upload(client, cast["alice"], report, image_bytes("PNG"), name="p.png")
    photo = Photo.objects.get()
    photo.shown.delete(save=True)  # as stored before the copy was kept
    first = client.get(answer.json()["url"], **auth(cast["alice"]))
    photo.refresh_from_db()
    assert first.status_code == 200 and photo.shown
    with photo.shown.open("rb") as shown:
        assert shown.read() == first.content
    assert Image.open(io.BytesIO(first.content)).format == "PNG"


def test_a_multipart_body_without_a_boundary_is_400(cast, client):
    answer = client.generic("POST", f"{API}/photos", b"junk", content_type="multipart/form-data",
                            **auth(cast["alice"]))
    assert answer.status_code == 400 and answer.json()["code"] == "malformed_body"


def test_every_operation_documents_401_and_422_and_bodies_413(client):
    document = client.get(f"{API}/openapi.json").json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            answers = operation["responses"]
            assert {"401", "422"} <= answers.keys(), (method, path)
            if "requestBody" in operation:
                assert {"400", "413"} <= answers.keys(), (method, path)
    assert document["components"]["schemas"]["InvalidInput"]["properties"]["detail"]["type"] == "array"


def test_the_malformed_body_refusal_is_in_chinese(cast, client):
    headers = {**auth(cast["alice"]), "HTTP_ACCEPT_LANGUAGE": "zh-hans"}
    answer = client.generic("POST", f"{API}/photos", b"junk", content_type="multipart/form-data", **headers)
    assert answer.json()["detail"] == "请求内容不是格式正确的 multipart/form-data。"


def test_a_truncated_image_is_refused_even_after_weasyprint_loaded(monkeypatch):
    """WeasyPrint sets Pillow's LOAD_TRUNCATED_IMAGES for the whole process when it is imported (the letter's
    PDF does): an upload must still be decoded whole."""
    from PIL import ImageFile

    from fieldcrm.photos.serving import clean_copy

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)  # what importing WeasyPrint does
    whole = image_bytes("JPEG", size=(256, 256), gps=False)
    with pytest.raises(UNDECODABLE):
        clean_copy(whole[:-900], "image/jpeg")
