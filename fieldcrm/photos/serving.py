"""The copy of a photo a user downloads: the pixels only, no EXIF (GPS, device, owner), no XMP or comments.

The stored original is never touched (its SHA-256 is the evidence). The copy is made once, when the photo
arrives (`clean_copy`, which also proves the whole image decodes: a truncated JPEG or a PNG with garbage pixels
is refused then, not answered with a 500 on every download), and kept beside it (`Photo.shown`): a download
reads bytes, it never decodes an image (a small PNG declaring 50 megapixels took ~200 MB per download).
Orientation from EXIF is applied to the pixels first, so the picture still stands the right way up.
"""

from __future__ import annotations

import io
import zlib

from django.core.files.base import ContentFile
from PIL import Image, ImageFile, ImageOps

from fieldcrm.photos.models import Photo

SAVE_AS = {Photo.Format.JPEG: ("JPEG", {"quality": 92}), Photo.Format.PNG: ("PNG", {}),
           Photo.Format.WEBP: ("WEBP", {"quality": 90})}
EXTENSIONS = {Photo.Format.JPEG: "jpg", Photo.Format.PNG: "png", Photo.Format.WEBP: "webp"}
# What Pillow raises on pixels it cannot decode (truncated data, a broken zlib stream, bad chunks).
UNDECODABLE = (OSError, SyntaxError, ValueError, EOFError, zlib.error, Image.DecompressionBombError)


def clean_copy(data: bytes, content_type: str) -> bytes:
    """`data` (a JPEG, PNG or WebP of `content_type`) re-encoded from its pixels alone; raises one of
    `UNDECODABLE` when the pixels cannot all be decoded."""
    # WeasyPrint (the guidance letter's PDF) turns Pillow's LOAD_TRUNCATED_IMAGES on for the whole process when
    # it is imported; a truncated upload would then decode "fine" with grey rows. Evidence must be whole.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    with Image.open(io.BytesIO(data)) as image:
        upright = ImageOps.exif_transpose(image)
        kind, options = SAVE_AS[Photo.Format(content_type)]
        mode = upright.mode
        if kind == "JPEG" and mode not in ("RGB", "L"):
            mode = "RGB"
        elif mode not in ("RGB", "RGBA", "L", "LA"):
            mode = "RGBA"
        # A fresh image from the pixels alone: nothing of the original's info (exif, xmp, icc, comments) follows.
        pixels = upright.convert(mode)
        clean = Image.frombytes(mode, pixels.size, pixels.tobytes())
    out = io.BytesIO()
    clean.save(out, kind, **options)
    return out.getvalue()


def keep_clean_copy(photo: Photo, data: bytes, clean: bytes | None = None) -> None:
    """Store the downloadable copy of `photo` (whose original bytes are `data`) in `photo.shown`, unsaved."""
    if clean is None:
        clean = clean_copy(data, photo.content_type)
    photo.shown.save(f"photo.{EXTENSIONS[Photo.Format(photo.content_type)]}", ContentFile(clean), save=False)


def without_metadata(photo: Photo) -> bytes:
    """The bytes a user downloads: the copy kept at upload (made now, once, for a photo stored before)."""
    if not photo.shown:
        with photo.file.open("rb") as stored:
            keep_clean_copy(photo, stored.read())
        photo.save(update_fields=["shown"])
    with photo.shown.open("rb") as shown:
        return shown.read()
