"""Images made here with Pillow: every accepted format, a rotated phone photo
with its GPS position, and files that must be refused."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from pillow_heif import register_heif_opener

from tailtribe.adapters.pillow.image_processor import PillowImageProcessor
from tailtribe.domain.errors import InvalidInput
from tailtribe.domain.model.photos import VARIANTS

register_heif_opener()
PROCESSOR = PillowImageProcessor()
GPS_IFD = 0x8825
ORIENTATION = 0x0112


def picture(fmt: str, size: tuple[int, int] = (2000, 1000), mode: str = "RGB") -> bytes:
    colours: dict[str, tuple[object, object]] = {
        "RGB": ((200, 30, 30), (30, 30, 200)),
        "RGBA": ((200, 30, 30, 255), (30, 30, 200, 128)),
    }
    back, front = colours.get(mode, (200, 30))
    image = Image.new(mode, size, back)  # type: ignore[arg-type]
    image.paste(front, (0, 0, size[0] // 4, size[1]))  # type: ignore[arg-type]
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def phone_photo() -> bytes:
    """Landscape pixels, stored sideways with orientation 6, and a home's GPS position."""
    image = Image.new("RGB", (1600, 1200), (10, 120, 10))
    image.paste((250, 250, 0), (0, 0, 1600, 100))  # a yellow band along the stored top
    exif = Image.Exif()
    exif[ORIENTATION] = 6  # view rotated 90 degrees clockwise
    exif[GPS_IFD] = {1: "N", 2: (50.0, 51.0, 0.0), 3: "E", 4: (4.0, 21.0, 0.0)}
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("fmt", "mode", "expected"),
    [
        ("JPEG", "RGB", "JPEG"),
        ("PNG", "RGBA", "PNG"),
        ("WEBP", "RGB", "WEBP"),
        ("HEIF", "RGB", "HEIF"),
    ],
)
def test_every_accepted_format_becomes_webp_variants(fmt: str, mode: str, expected: str) -> None:
    data = picture(fmt, mode=mode)
    assert PROCESSOR.inspect(data) == expected
    variants = PROCESSOR.variants(data)
    assert set(variants) == set(VARIANTS)
    for name, side in VARIANTS.items():
        out = Image.open(io.BytesIO(variants[name]))
        assert out.format == "WEBP"
        assert max(out.size) == side and out.size[0] == 2 * out.size[1]  # proportions kept


def test_a_rotated_phone_photo_comes_out_upright_without_any_metadata() -> None:
    data = phone_photo()
    assert Image.open(io.BytesIO(data)).getexif()[GPS_IFD]  # the position is really there
    for name, blob in PROCESSOR.variants(data).items():
        out = Image.open(io.BytesIO(blob))
        width, height = out.size
        assert height > width, name  # turned upright: portrait
        assert not out.getexif() and "exif" not in out.info and "xmp" not in out.info
        assert b"Exif" not in blob and b"GPS" not in blob
        # The yellow band that was along the stored top is now on the right.
        r, g, b = out.convert("RGB").getpixel((width - 2, height // 2))  # type: ignore[misc]
        assert r > 200 and g > 200 and b < 80, name


def test_a_small_image_is_never_enlarged() -> None:
    variants = PROCESSOR.variants(picture("PNG", size=(300, 200)))
    assert Image.open(io.BytesIO(variants["large"])).size == (300, 200)
    assert Image.open(io.BytesIO(variants["thumb"])).size == (160, 107)


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7 this is not a picture, whatever its name says",
        b"GIF89a" + b"\x00" * 100,  # an image, but not one we take
        picture("JPEG")[:2000],  # cut short
        picture("PNG", size=(20_000, 20_000), mode="L"),  # a decompression bomb: tiny file, 400 Mpx
        picture(
            "PNG", size=(7_000, 6_000), mode="L"
        ),  # 42 Mpx: under Pillow's own limit, over ours
        picture("PNG", size=(13_000, 10), mode="L"),  # too long a side
    ],
    ids=["pdf-named-jpg", "gif", "truncated", "bomb", "over-our-limit", "too-long"],
)
def test_what_is_not_an_acceptable_image_is_refused(data: bytes) -> None:
    # A truncated JPEG is only found out by decoding it all: the job does that.
    if data[:3] != b"\xff\xd8\xff":
        with pytest.raises(InvalidInput):
            PROCESSOR.inspect(data)
    with pytest.raises(InvalidInput):
        PROCESSOR.variants(data)
