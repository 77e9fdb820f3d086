"""The offline extractor: the page extractor and parser on a saved page or fragment, no network.

``extract_html`` loads the HTML into headless Chromium with ``page.set_content`` (all
requests are refused, the document's own scripts never run), runs the very same
``extract_rows.js`` and ``parse`` code as a sync, and returns the messages.
``run_extract_html`` is the ``kenny-wa extract-html`` command.

It takes what people save: a whole "Save page as" file, the ``#main`` pane, several rows, or
one row copied out of the developer tools (with or without its ``[role=row]`` wrapper), of
any era. A row's date comes from its own ``data-pre-plain-text`` or from a date separator in
the document; a row with neither keeps ``ts=None``: a fragment carries no "now".
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json as jsonlib
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kenny_wa import errors, parse, words
from kenny_wa.browser import chatlist, extract, launch
from kenny_wa.model import Message

CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
)
_HAS_MAIN = re.compile(r"""\bid\s*=\s*(?:"main"|'main'|main[\s>])""", re.I)
_HAS_HTML = re.compile(r"<html[\s>]", re.I)
_HEADER_LINE = re.compile(r"[\w-]+:|\s")
_MIME_HEADERS = re.compile(
    r"^MIME-Version:.*^Content-Type:\s*multipart/|^Content-Type:\s*multipart/.*^MIME-Version:",
    re.I | re.M | re.S,
)


class NotHtml(ValueError):
    """The file is neither HTML text (UTF-8 / UTF-16) nor a single-file (MHTML) saved page."""


def decode_saved(data: bytes) -> str:
    """A saved page's bytes → its HTML: UTF-8 or UTF-16 text (BOM-marked), or the HTML part of
    a "Webpage, Single File" (.mhtml) save."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise NotHtml("not UTF-8 or UTF-16 text") from exc
    headers = re.split(r"\r?\n\r?\n", text[:8192], maxsplit=1)[0]
    if _MIME_HEADERS.search(headers) and all(_HEADER_LINE.match(line) for line in headers.splitlines()):
        return _mhtml_html(data)
    return text


def _mhtml_html(data: bytes) -> str:
    message = email.message_from_bytes(data, policy=email.policy.compat32)
    for part in message.walk():
        if part.get_content_type() == "text/html":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                return payload.decode(part.get_content_charset() or "utf-8", errors="replace")
    raise NotHtml("a MIME (MHTML) file without an HTML part")


def _document(path_or_html: str | Path) -> str:
    if isinstance(path_or_html, Path) or (
        "<" not in str(path_or_html) and Path(str(path_or_html)).exists()
    ):
        html = decode_saved(Path(path_or_html).read_bytes())
    else:
        html = str(path_or_html)
    if _HAS_MAIN.search(html):
        return html
    # A bare fragment of message rows: give it the conversation shell the selectors expect.
    body = html if not _HAS_HTML.search(html) else re.sub(r"(?is).*?<body[^>]*>|</body>.*", "", html)
    head = '<!doctype html><html><head><meta charset="utf-8"></head><body>'
    return f'{head}<div id="main">{body}</div></body></html>'


def extract_html_window(
    path_or_html: str | Path,
    *,
    locale: str,
    timezone: str,
    now: dt.datetime | None = None,
    chat_title: str | None = None,
    is_group: bool | None = None,
    setting: str = "auto",
    executable_path: str | None = None,
) -> extract.WindowResult:
    """The messages in a saved WhatsApp Web page or fragment (see the module docstring), with
    the rest of the window result (era, markers, warnings)."""
    from playwright.sync_api import sync_playwright

    html = _document(path_or_html)
    now = now or dt.datetime.now(dt.UTC)
    with sync_playwright() as pw:
        chromium = executable_path or launch.find_chromium(None, launch.playwright_chromium(pw))
        browser = pw.chromium.launch(executable_path=chromium, headless=True, args=list(CHROMIUM_ARGS))
        try:
            # The saved page's own scripts stay off; page.evaluate still runs ours.
            context = browser.new_context(locale=locale, timezone_id=timezone, java_script_enabled=False)
            context.route("**/*", lambda route: route.abort())
            page = context.new_page()
            page.set_content(html, wait_until="domcontentloaded")
            intl = extract.read_page_intl(page)
            raw = extract.read_raw(page, setting)
            # a saved page or #main pane names its chat in the header: the 1:1 sender
            header = chatlist.read_header(page) or {}
            chat_title = chat_title or words.strip_bidi(header.get("title")) or None
        finally:
            browser.close()
    rows = extract.rows_of(raw)
    packed = next((p for r in rows if (p := parse.split_packed_id(r.get("id") or ""))), None)
    if is_group is None:
        is_group = bool(packed and packed.remote.endswith("@g.us")) or any(
            r.get("author_texts") or r.get("author_label") for r in rows if r["row"] == "msg"
        )
    chat_id = packed.remote if packed else f"title:{chat_title}" if chat_title else "html:unknown"
    ctx = parse.ParseContext(
        chat_id=chat_id, chat_title=chat_title, is_group=is_group, now=now, locale=locale,
        timezone=timezone, date_order=intl.date_order, hour_cycle=intl.hour_cycle,
        stamp_anchors=False, keep_undated=True,
    )
    window = extract.parse_raw(raw, ctx, setting=setting)
    window.messages = parse.resolve_quoted_ids(window.messages)
    return window


def extract_html(path_or_html: str | Path, **options: Any) -> list[Message]:
    """Only the messages of :func:`extract_html_window` (same arguments)."""
    return extract_html_window(path_or_html, **options).messages


def records_as_json(messages: Iterable[Message]) -> list[dict[str, Any]]:
    """The ``extract-html --json`` record shape."""
    return [
        {
            "external_id": m.external_id,
            "is_outgoing": m.is_outgoing,
            "sender": m.sender,
            "text": m.text,
            "ts": m.ts.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if m.ts else None,
            "kind": m.kind,
            "forwarded": m.forwarded,
            "deleted": m.deleted,
            "edited": m.edited,
            "quoted_text": m.quoted_text,
            "sender_name": m.sender_name,
            "document": (
                {"filename": m.media.filename, "type": m.media.file_type, "pages": m.media.pages,
                 "size": m.media.size}
                if m.media is not None and m.kind == "document" else None
            ),
        }
        for m in messages
    ]


def _table(messages: list[Message]) -> str:
    lines = [f"{'ts (UTC)':<17} {'dir':<3} {'kind':<8} {'sender':<20} text"]
    for m in messages:
        flags = "".join(f for f, on in (("F", m.forwarded), ("E", m.edited), ("D", m.deleted)) if on)
        text = (m.text or "").replace("\n", " ⏎ ")
        lines.append(
            f"{m.ts.strftime('%Y-%m-%d %H:%M') if m.ts else '(no date)':<17} "
            f"{'out' if m.is_outgoing else 'in':<3} "
            f"{m.kind:<8} {(m.sender or '')[:20]:<20} {flags + ' ' if flags else ''}{text[:80]}"
        )
    return "\n".join(lines)


def run_extract_html(path: str | Path, json: bool, locale: str, timezone: str) -> int:
    """``kenny-wa extract-html FILE``: print the records; 0 ok, 1 file unreadable, 2 not a
    saved page, 6 drift."""
    try:
        window = extract_html_window(Path(path), locale=locale, timezone=timezone)
    except OSError:
        print("cannot read the file", file=sys.stderr)
        return 1
    except NotHtml as exc:
        print(f"FILE must be a saved WhatsApp Web page or fragment (HTML or .mhtml): {exc}",
              file=sys.stderr)
        return 2
    except errors.UiDrift as exc:
        print(str(exc), file=sys.stderr)
        return exc.exit_code
    if json:
        print(jsonlib.dumps(records_as_json(window.messages), ensure_ascii=False, indent=2))
    else:
        print(_table(window.messages))
        skipped = ", ".join(f"{k}={v}" for k, v in sorted(window.warnings.items()))
        summary = f"\n{len(window.messages)} message(s), era {window.profile}"
        print(summary + (f"; {skipped}" if skipped else ""))
    return 0
