"""Fetch image bytes from inside the page (``blob:`` URLs only resolve there).

For every image message of a chat whose bubble has a full-resolution ``blob:`` URL, the
bytes are fetched by ``page_js/fetch_blob.js`` — as many URLs per evaluate as fit in
:data:`BATCH_BYTES`, usually a whole chat's — with the size cap (``settings.media_max_bytes``)
checked on ``blob.size`` before any base64 work. Images
whose URL is not there yet get a short event-driven wait, then ``MediaFailure("not_loaded")``;
one that shows it will get no URL (the download button, a failed <img>) gets no wait.
Other media kinds are metadata only. Nothing happens when ``settings.download_images`` is off.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from kenny_wa import logs
from kenny_wa.browser import boundary, pagejs
from kenny_wa.model import ImageBytes, MediaFailure, Message

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from kenny_wa.config import Settings

log = logs.get_logger(__name__)

BLOB_WAIT_TIMEOUT_MS = 2_000  # how long missing blob: URLs may take to appear
REVEAL_WAIT_TIMEOUT_MS = 8_000  # one image brought back into view: download + decrypt time
BATCH_BYTES = 24 * 1024 * 1024  # bytes (before base64) per evaluate, or one image if larger
MAX_REVEALS = 50  # images per chat worth scrolling back to when their URL was missing


def image_messages(messages: Iterable[Message]) -> list[Message]:
    return [m for m in messages if m.kind == "image" and m.media is not None and not m.deleted]


def decode(results: Iterable[dict]) -> dict[str, ImageBytes | MediaFailure]:
    """Pure: the page's answers as ImageBytes / MediaFailure, keyed by external id."""
    out: dict[str, ImageBytes | MediaFailure] = {}
    for item in results:
        ext_id = item["id"]
        if item.get("ok"):
            try:
                out[ext_id] = ImageBytes(ext_id, base64.b64decode(item["data"], validate=True))
            except (binascii.Error, KeyError, TypeError):
                out[ext_id] = MediaFailure(ext_id, "fetch_failed")
        else:
            out[ext_id] = MediaFailure(ext_id, str(item.get("reason") or "fetch_failed"))
    return out


def fetch_images(
    page: Page,
    messages: Iterable[Message],
    settings: Settings,
    *,
    blob_img_selectors: Sequence[str],
    final_selectors: Sequence[str] = (),
    box_selectors: Sequence[str] = (),
) -> dict[str, ImageBytes | MediaFailure]:
    """Bytes (or a failure reason) for every image message; {} when downloads are off.

    ``final_selectors`` mark an image that will get no URL by itself (the download button),
    ``box_selectors`` the image's box, where a failed <img> marks it final too.
    """
    if not settings.download_images:
        return {}
    images = image_messages(messages)
    if not images:
        return {}
    urls = {m.external_id: m.media.blob_url for m in images if m.media and m.media.blob_url}
    missing = [m for m in images if m.external_id not in urls]
    if missing:
        lookup = Lookup(list(blob_img_selectors), list(final_selectors), list(box_selectors))
        urls.update(_find_missing(page, missing, lookup))
    out: dict[str, ImageBytes | MediaFailure] = {}
    pairs = [(m.external_id, urls[m.external_id]) for m in images if urls.get(m.external_id)]
    for m in images:
        if not urls.get(m.external_id):
            out[m.external_id] = MediaFailure(m.external_id, "not_loaded")
    out.update(fetch_blobs(page, pairs, max_bytes=settings.media_max_bytes))
    fetched = sum(isinstance(v, ImageBytes) for v in out.values())
    log.info("images_fetched", images=len(images), fetched=fetched, failed=len(out) - fetched)
    return out


def fetch_blobs(
    page: Page, pairs: Sequence[tuple[str, str]], *, max_bytes: int, budget: int = BATCH_BYTES
) -> dict[str, ImageBytes | MediaFailure]:
    """The bytes behind (external id, blob: URL) pairs, ``budget`` bytes per evaluate."""
    out: dict[str, ImageBytes | MediaFailure] = {}
    pending = list(pairs)
    while pending:
        items = [{"id": i, "url": u} for i, u in pending]
        results = _evaluate(page, {"items": items, "maxBytes": max_bytes, "budget": budget})
        if not results:  # the script answers at least one item per call: never loop on nothing
            out.update((i, MediaFailure(i, "fetch_failed")) for i, _ in pending)
            break
        out.update(decode(results))
        pending = pending[len(results):]  # answered in order
    return out


@dataclasses.dataclass(frozen=True, slots=True)
class Lookup:
    """Selectors for page_js/find_blob_urls.js."""

    img: list[str]  # the full-size blob <img>
    final: list[str] = dataclasses.field(default_factory=list)  # no URL will come (download button)
    box: list[str] = dataclasses.field(default_factory=list)  # the image's box (a failed <img> in it)

    def arg(self, raw_ids: list[str], *, need: list[str] | None = None, wait: bool = False) -> dict:
        return {"ids": raw_ids, "img": self.img, "final": self.final, "box": self.box,
                "need": need, "all": wait}


def _find_missing(page: Page, missing: list[Message], lookup: Lookup) -> dict[str, str]:
    """URLs for images read before their blob loaded: look again, bringing rows into view.

    Each reveal waits only for its own row's URL (or for it to turn final), but takes the
    URLs of every other missing row that the same view rendered.
    """
    found = _lookup(page, lookup.arg([m.raw_data_id for m in missing]), wait=False)
    reveals = 0
    for message in missing:
        if found.get(message.raw_data_id) or reveals >= MAX_REVEALS:
            continue
        if _call(page, "reveal_row", {"id": message.raw_data_id}):
            reveals += 1
            rest = [m.raw_data_id for m in missing if not found.get(m.raw_data_id)]
            arg = lookup.arg(rest, need=[message.raw_data_id], wait=True)
            found.update(_lookup(page, arg, wait=True, timeout_ms=REVEAL_WAIT_TIMEOUT_MS))
    by_raw = {m.raw_data_id: m.external_id for m in missing}
    return {by_raw[raw]: url for raw, url in found.items() if url and url.startswith("blob:")}


def _lookup(page: Page, arg: dict, *, wait: bool, timeout_ms: int = BLOB_WAIT_TIMEOUT_MS) -> dict[str, str]:
    if wait:
        script = pagejs.call("find_blob_urls")
        found = boundary.wait_or_none(page, script, arg, timeout_ms=timeout_ms, polling=50)
        if found is not None:
            return {k: v for k, v in found.items() if v}
    result = _call(page, "find_blob_urls", {**arg, "all": False}) or {}
    return {k: v for k, v in result.items() if v}


def _call(page: Page, script: str, arg: dict):
    return boundary.evaluate(page, pagejs.call(script), arg)


def _evaluate(page: Page, arg: dict) -> list[dict]:
    return _call(page, "fetch_blob", arg)
