"""Images with Pillow (HEIC through pillow-heif): checked from their bytes,
turned into upright WebP variants carrying no metadata."""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

from tailtribe.domain.errors import FieldError, InvalidInput
from tailtribe.domain.model.photos import VARIANTS

register_heif_opener()

FORMATS = {"JPEG", "PNG", "WEBP", "HEIF"}
MAX_SIDE = 12_000
MAX_PIXELS = 40_000_000  # a decompression bomb is refused before it is decoded


def _refuse(message: str) -> InvalidInput:
    return InvalidInput(message, [FieldError("file", message)])


class PillowImageProcessor:
    def _open(self, data: bytes) -> Image.Image:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                image = Image.open(io.BytesIO(data), formats=sorted(FORMATS))
        except (
            UnidentifiedImageError,
            Image.DecompressionBombError,
            Image.DecompressionBombWarning,
            OSError,
        ) as exc:
            raise _refuse("not a JPEG, PNG, WebP or HEIC image") from exc
        width, height = image.size
        if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
            raise _refuse(f"at most {MAX_SIDE} pixels a side and {MAX_PIXELS:,} in all")
        return image

    def inspect(self, data: bytes) -> str:
        image = self._open(data)
        try:
            image.verify()  # reads the whole file: a truncated one is refused now
        except Exception as exc:
            raise _refuse("the image is damaged") from exc
        return str(image.format)

    def variants(self, data: bytes) -> dict[str, bytes]:
        image = self._open(data)
        largest = max(VARIANTS.values())
        try:
            # Shrunk first, in place (a JPEG is even decoded at a reduced scale):
            # one full-size copy at most, whatever the upload. The bounding box is
            # square, so turning it upright afterwards gives the same sizes.
            image.thumbnail((largest, largest), Image.Resampling.LANCZOS)
            upright = ImageOps.exif_transpose(image)  # apply, then drop, the orientation
        except Exception as exc:
            raise _refuse("the image is damaged") from exc
        has_alpha = upright.mode in ("RGBA", "LA") or "transparency" in upright.info
        base = upright.convert("RGBA" if has_alpha else "RGB")
        out: dict[str, bytes] = {}
        for name, side in VARIANTS.items():
            copy = base.copy()
            copy.thumbnail((side, side), Image.Resampling.LANCZOS)
            buffer = io.BytesIO()
            # A fresh image with no info dict: no EXIF, XMP or ICC leaves with it.
            clean = Image.new(copy.mode, copy.size)
            clean.paste(copy)
            clean.save(buffer, format="WEBP", quality=82, method=4)
            out[name] = buffer.getvalue()
        return out
