"""The copy of a photo a user downloads: the pixels only, no EXIF (GPS, device, owner), no XMP or comments.

The stored original is never touched (its SHA-256 is the evidence); the copy is made on each download.
Orientation from EXIF is applied to the pixels first, so the picture still stands the right way up.
"""

from __future__ import annotations

import io

from PIL import Image, ImageOps

from fieldcrm.photos.models import Photo

SAVE_AS = {Photo.Format.JPEG: ("JPEG", {"quality": 92}), Photo.Format.PNG: ("PNG", {}),
           Photo.Format.WEBP: ("WEBP", {"quality": 90})}


def without_metadata(photo: Photo) -> bytes:
    with photo.file.open("rb") as stored, Image.open(stored) as image:
        upright = ImageOps.exif_transpose(image)
        kind, options = SAVE_AS[Photo.Format(photo.content_type)]
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
