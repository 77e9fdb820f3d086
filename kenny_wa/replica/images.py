"""Media bytes for scenario attachments: real images from Pillow, deliberately broken variants.

Bytes are generated lazily from the attachment's seed and cached, so checksums are stable.
"""

from __future__ import annotations

import base64
import functools
import io
import random
import struct
import zlib

from PIL import Image, ImageDraw

from . import text_images
from .model import Attachment

HUGE_SIDE = 2600  # noise PNG of ~20 MB: over any sane per-image cap
BOMB_SIDE = 25_000  # 625 Mpx: Pillow refuses it (DecompressionBombError)


def _picture(seed: int, w: int, h: int) -> Image.Image:
    rng = random.Random(seed)
    bg = tuple(rng.randint(0, 255) for _ in range(3))
    img = Image.new("RGB", (w, h), bg)
    draw = ImageDraw.Draw(img)
    for _ in range(6):
        x0, y0 = rng.randint(0, w - 1), rng.randint(0, h - 1)
        x1, y1 = x0 + rng.randint(10, w // 2), y0 + rng.randint(10, h // 2)
        colour = tuple(rng.randint(0, 255) for _ in range(3))
        if rng.random() < 0.5:
            draw.rectangle((x0, y0, x1, y1), fill=colour)
        else:
            draw.ellipse((x0, y0, x1, y1), fill=colour)
    return img


def _encode(img: Image.Image, media_type: str) -> bytes:
    buf = io.BytesIO()
    fmt = {"image/png": "PNG", "image/webp": "WEBP"}.get(media_type, "JPEG")
    img.save(buf, fmt, quality=80) if fmt != "PNG" else img.save(buf, fmt, compress_level=1)
    return buf.getvalue()


def _png_chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def _bomb_png(side: int) -> bytes:
    """A tiny file that declares side x side 1-bit pixels (all zero)."""
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    row = b"\x00" * (1 + (side + 7) // 8)
    comp = zlib.compressobj(9)
    parts = [comp.compress(row) for _ in range(side)]
    parts.append(comp.flush())
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", b"".join(parts))
            + _png_chunk(b"IEND", b""))


@functools.lru_cache(maxsize=4096)
def _media_bytes(seed: int, w: int, h: int, media_type: str, broken: str | None,
                 text_style: str | None = None) -> bytes:
    if text_style is not None:
        return text_images.render(text_style, seed)
    if broken == "empty":
        return b""
    if broken == "not_image":
        return b"<html><body>404 media not found</body></html>\n"
    if broken == "bomb":
        return _bomb_png(BOMB_SIDE)
    if broken == "huge":
        rng = random.Random(seed)
        noise = Image.frombytes("RGB", (HUGE_SIDE, HUGE_SIDE), rng.randbytes(HUGE_SIDE * HUGE_SIDE * 3))
        buf = io.BytesIO()
        noise.save(buf, "PNG", compress_level=1)
        return buf.getvalue()
    good = _encode(_picture(seed, w, h), media_type)
    if broken == "truncated":
        return good[: len(good) // 2]
    if broken == "corrupt":
        rng = random.Random(seed)
        return good[:20] + rng.randbytes(len(good) - 20)
    return good


def media_bytes(att: Attachment) -> bytes:
    return _media_bytes(att.seed, att.width, att.height, att.media_type, att.broken, att.text_style)


def drawn_text(att: Attachment) -> str | None:
    """The text drawn into the image, or None for an image without text."""
    return text_images.drawn_text(att.text_style, att.seed) if att.text_style else None


def with_drawn_text(att: Attachment, style: str) -> None:
    """Turn an image attachment into one with drawn text of ``style`` (size and type follow)."""
    att.text_style = style
    att.width, att.height = text_images.SIZES[style]
    att.media_type = text_images.MEDIA_TYPES[style]


@functools.lru_cache(maxsize=8192)
def _thumb(seed: int, w: int, h: int, broken: str | None, text_style: str | None = None) -> str:
    if broken:
        img = Image.new("RGB", (32, 24), (200, 200, 200))
    elif text_style:
        img = Image.open(io.BytesIO(text_images.render(text_style, seed))).convert("RGB")
        img.thumbnail((32, 32))
    else:
        img = _picture(seed, w, h)
        img.thumbnail((32, 32))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=40)
    return base64.b64encode(buf.getvalue()).decode()


def thumbnail_b64(att: Attachment) -> str:
    """The low-resolution JPEG the bubble shows before the full image loads."""
    return _thumb(att.seed, att.width or 64, att.height or 64, att.broken, att.text_style)


def xor(data: bytes, key: bytes) -> bytes:
    """The page 'decrypts' served media with this key, so plain URLs never hold the real bytes."""
    if not data or not key:
        return data
    reps = len(data) // len(key) + 1
    k = (key * reps)[: len(data)]
    return (int.from_bytes(data, "big") ^ int.from_bytes(k, "big")).to_bytes(len(data), "big")
