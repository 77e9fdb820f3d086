"""Images with drawn text: receipts, chat and article screenshots, photographed signs.

What people send each other is often a picture of text. These images carry invented text
whose exact lines are known (``drawn_text``), so the ground truth can say what an OCR
should read (``attachments[].text``). Everything is a pure function of (style, seed).

Styles: ``chat`` and ``article`` are clean screenshots (PNG); ``receipt`` is a phone photo of
a till receipt (slight rotation, JPEG); ``sign`` is a photo of a street sign with perspective,
blur, sensor noise and heavy JPEG compression; ``sign_zh`` is a bilingual Chinese/English
notice (the pinned OCR model reads simplified Chinese); ``page_photo`` is a printed page
photographed at an angle (rotation up to 6 degrees, perspective, blur, noise, JPEG quality 30).

Fonts come from Debian packages (``fonts-dejavu-core``, ``fonts-wqy-microhei``, which
``dev.py`` installs): never from the network. A missing font is an error naming the package,
not a silent fallback that would change the image bytes.
"""

from __future__ import annotations

import functools
import io
import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

STYLES = ("receipt", "chat", "article", "sign", "sign_zh", "page_photo")
SCREENSHOT_STYLES = ("chat", "article")
PHOTO_STYLES = ("receipt", "sign", "sign_zh", "page_photo")
SIZES = {
    "receipt": (480, 720),
    "chat": (540, 760),
    "article": (800, 600),
    "sign": (800, 600),
    "sign_zh": (720, 540),
    "page_photo": (800, 600),
}
MEDIA_TYPES = {
    "receipt": "image/jpeg",
    "chat": "image/png",
    "article": "image/png",
    "sign": "image/jpeg",
    "sign_zh": "image/jpeg",
    "page_photo": "image/jpeg",
}

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/truetype/wqy"))
FONTS = {
    "sans": ("DejaVuSans.ttf", "fonts-dejavu-core"),
    "bold": ("DejaVuSans-Bold.ttf", "fonts-dejavu-core"),
    "mono": ("DejaVuSansMono.ttf", "fonts-dejavu-core"),
    "zh": ("wqy-microhei.ttc", "fonts-wqy-microhei"),
}

SHOPS = ("CORNER BAKERY", "HARBOUR MARKET", "BLUE DOOR CAFE", "GREEN LEAF GROCER", "NORTH PIER DELI")
ITEMS = (
    "Croissant",
    "Flat white",
    "Sourdough loaf",
    "Orange juice",
    "Granola bowl",
    "Tomatoes",
    "Olive oil",
    "Oat milk",
    "Apple tart",
    "Espresso",
    "Rye bread",
    "Green tea",
)
CHAT_LINES = (
    "Are we still on for Friday?",
    "The train leaves at 18:40",
    "I can bring the tent",
    "Meet at the north gate",
    "Tickets are on the table",
    "Running ten minutes late",
    "Dinner is at seven tonight",
    "Can you send the address?",
    "Parking is behind the hall",
    "See you at the station",
    "Bring a warm jacket",
    "The shop closes at six",
)
ARTICLE_TITLES = (
    "New bike lanes open downtown",
    "Library extends weekend hours",
    "Harbour festival returns in June",
    "City tests quieter night buses",
)
ARTICLE_SENTENCES = (
    "The council approved the plan on Tuesday.",
    "Work starts early next month.",
    "Residents can comment until the end of May.",
    "The first phase covers four streets.",
    "A second survey will follow in autumn.",
    "Most routes stay open during the work.",
    "Volunteers will hand out maps at the market.",
    "Details are posted at the town hall.",
)
SIGNS = (
    ("PLATFORM 4", "TRAINS TO NORTH BAY"),
    ("NO PARKING", "8AM - 6PM"),
    ("OPEN DAILY", "9:00 - 17:00"),
    ("MAIN STREET", "CITY CENTRE 2 KM"),
    ("EXIT", "CAR PARK B"),
)
SIGNS_ZH = (
    ("出口", "EXIT"),
    ("欢迎光临", "WELCOME"),
    ("地铁站", "METRO STATION"),
    ("营业时间", "9:00-18:00"),
    ("禁止吸烟", "NO SMOKING"),
)


class FontMissing(RuntimeError):
    """A font the replica draws with is not installed."""


@functools.cache
def font(kind: str, size: int) -> ImageFont.FreeTypeFont:
    name, package = FONTS[kind]
    for directory in FONT_DIRS:
        path = directory / name
        if path.exists():
            return ImageFont.truetype(str(path), size)
    raise FontMissing(f"font {name} not found: install the Debian package {package}")


def drawn_text(style: str, seed: int) -> str:
    """The text drawn into the image, one line per drawn row (cells joined by a space)."""
    return "\n".join(" ".join(cells) for cells in _rows(style, seed))


def _rows(style: str, seed: int) -> list[tuple[str, ...]]:
    """The rows drawn, each one or two cells (left-aligned text, right-aligned amount)."""
    rng = random.Random(f"{style}:{seed}")
    if style == "receipt":
        items = rng.sample(ITEMS, rng.randint(3, 5))
        prices = [rng.randint(120, 1450) for _ in items]
        rows: list[tuple[str, ...]] = [
            (rng.choice(SHOPS),),
            (
                f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}"
                f"/2026 {rng.randint(7, 20):02d}:{rng.randint(0, 59):02d}",
            ),
        ]
        rows += [(item, f"{p // 100}.{p % 100:02d}") for item, p in zip(items, prices, strict=True)]
        total = sum(prices)
        rows.append(("TOTAL", f"{total // 100}.{total % 100:02d}"))
        return rows
    if style == "chat":
        return [(line,) for line in rng.sample(CHAT_LINES, 5)]
    if style in ("article", "page_photo"):
        return [(rng.choice(ARTICLE_TITLES),)] + [(s,) for s in rng.sample(ARTICLE_SENTENCES, 5)]
    if style == "sign":
        return [(line,) for line in rng.choice(SIGNS)]
    if style == "sign_zh":
        return [(line,) for line in rng.choice(SIGNS_ZH)]
    raise ValueError(f"unknown text image style {style!r}")


def render(style: str, seed: int) -> bytes:
    """The encoded image (``MEDIA_TYPES[style]``) of one style and seed."""
    rng = random.Random(f"pixels:{style}:{seed}")
    rows = _rows(style, seed)
    w, h = SIZES[style]
    if style == "receipt":
        img = _receipt(rng, rows, w, h)
        return _jpeg(img, 70)
    if style == "chat":
        return _png(_chat(rng, rows, w, h))
    if style == "article":
        return _png(_article(rows, w, h))
    if style == "page_photo":  # a printed page photographed at an angle, in poor light
        page = _article(rows, w, h).rotate(rng.uniform(-6, 6), resample=Image.BICUBIC, fillcolor=(70, 70, 70))
        return _jpeg(_degrade(rng, _perspective(rng, page)), 30)
    zh = style == "sign_zh"
    img = _sign(rng, rows, w, h, zh)
    return _jpeg(_degrade(rng, img), 35 if not zh else 45)


def _png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG", compress_level=6)
    return buf.getvalue()


def _jpeg(img: Image.Image, quality: int) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def _receipt(rng: random.Random, rows: list[tuple[str, ...]], w: int, h: int) -> Image.Image:
    paper = Image.new("RGB", (w - 80, h - 60), (246, 244, 236))
    draw = ImageDraw.Draw(paper)
    mono, bold = font("mono", 22), font("bold", 26)
    y = 30
    for i, cells in enumerate(rows):
        f = bold if i == 0 else mono
        draw.text((24, y), cells[0], font=f, fill=(30, 30, 30))
        if len(cells) > 1:
            right = paper.width - 24 - draw.textlength(cells[1], font=f)
            draw.text((right, y), cells[1], font=f, fill=(30, 30, 30))
        y += 58 if i in (0, 1, len(rows) - 2) else 44
    table = Image.new("RGB", (w, h), (92, 70, 52))
    table.paste(paper, (40, 30))
    rotated = table.rotate(rng.uniform(-3, 3), resample=Image.BICUBIC, fillcolor=(92, 70, 52))
    return rotated.filter(ImageFilter.GaussianBlur(0.6))


def _chat(rng: random.Random, rows: list[tuple[str, ...]], w: int, h: int) -> Image.Image:
    img = Image.new("RGB", (w, h), (236, 229, 221))
    draw = ImageDraw.Draw(img)
    f = font("sans", 22)
    y = 30
    for i, (line,) in enumerate(rows):
        width = draw.textlength(line, font=f) + 36
        mine = i % 2 == 1
        x = w - width - 20 if mine else 20
        draw.rounded_rectangle(
            (x, y, x + width, y + 58), radius=12, fill=(217, 253, 211) if mine else (255, 255, 255)
        )
        draw.text((x + 18, y + 15), line, font=f, fill=(17, 27, 33))
        y += 58 + rng.randint(40, 70)
    return img


def _article(rows: list[tuple[str, ...]], w: int, h: int) -> Image.Image:
    img = Image.new("RGB", (w, h), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    draw.text((40, 40), rows[0][0], font=font("bold", 32), fill=(20, 20, 20))
    y = 120
    for (line,) in rows[1:]:
        draw.text((40, y), line, font=font("sans", 22), fill=(50, 50, 50))
        y += 44
    return img


def _sign(rng: random.Random, rows: list[tuple[str, ...]], w: int, h: int, zh: bool) -> Image.Image:
    top, bottom = [rng.randint(60, 200) for _ in range(3)], [rng.randint(30, 120) for _ in range(3)]
    scene = Image.new("RGB", (w, h))
    draw = ImageDraw.Draw(scene)
    for y in range(h):  # sky-to-street gradient behind the sign
        t = y / h
        draw.line((0, y, w, y), fill=tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)))
    board, ink = rng.choice(
        (((20, 70, 150), (255, 255, 255)), ((245, 245, 240), (20, 20, 20)), ((20, 110, 60), (255, 255, 255)))
    )
    bw, bh = int(w * 0.8), int(h * 0.55)
    sign = Image.new("RGB", (bw, bh), board)
    sd = ImageDraw.Draw(sign)
    sizes = (96, 52) if zh else (78, 46)
    kinds = ("zh", "bold") if zh else ("bold", "bold")
    y = bh * 0.14
    for (line,), size, kind in zip(rows, sizes, kinds, strict=False):
        f = font(kind, size)
        sd.text(((bw - sd.textlength(line, font=f)) / 2, y), line, font=f, fill=ink)
        y += size * 1.45
    scene.paste(sign, ((w - bw) // 2, (h - bh) // 2))
    return _perspective(rng, scene)


def _perspective(rng: random.Random, img: Image.Image) -> Image.Image:
    """The image as seen from a little to one side (a phone held at an angle)."""
    w, h = img.size
    d = 0.08
    dst = [
        (rng.uniform(0, d) * w, rng.uniform(0, d) * h),
        (w - rng.uniform(0, d) * w, rng.uniform(0, d) * h),
        (w - rng.uniform(0, d) * w, h - rng.uniform(0, d) * h),
        (rng.uniform(0, d) * w, h - rng.uniform(0, d) * h),
    ]
    src = [(0, 0), (w, 0), (w, h), (0, h)]
    coeffs = _perspective_coeffs(dst, src)
    return img.transform((w, h), Image.PERSPECTIVE, coeffs, Image.BICUBIC, fillcolor=(90, 90, 90))


def _perspective_coeffs(dst: list[tuple[float, float]], src: list[tuple[float, float]]) -> list[float]:
    """Pillow's 8 coefficients mapping output points ``dst`` to input points ``src``."""
    matrix: list[list[float]] = []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        matrix.append([x, y, 1, 0, 0, 0, -u * x, -u * y, u])
        matrix.append([0, 0, 0, x, y, 1, -v * x, -v * y, v])
    n = 8
    for col in range(n):  # Gauss-Jordan elimination with partial pivoting
        pivot = max(range(col, n), key=lambda r: abs(matrix[r][col]))
        matrix[col], matrix[pivot] = matrix[pivot], matrix[col]
        for r in range(n):
            if r != col:
                factor = matrix[r][col] / matrix[col][col]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[col], strict=True)]
    return [matrix[i][n] / matrix[i][i] for i in range(n)]


def _degrade(rng: random.Random, img: Image.Image) -> Image.Image:
    """Camera blur and sensor noise."""
    blurred = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.8, 1.4)))
    # from the seeded rng, not Image.effect_noise: the bytes (and checksums) must be stable
    noise = Image.frombytes("L", img.size, rng.randbytes(img.width * img.height)).convert("RGB")
    return Image.blend(blurred, noise, rng.uniform(0.10, 0.16))
