"""What extract-html accepts as a saved page: HTML text in UTF-8/UTF-16, or a single-file
(.mhtml) save; anything else is refused with a named reason."""

from __future__ import annotations

import email.generator
import email.mime.multipart
import email.mime.text
import io

import pytest

from kenny_wa.browser import offline

HTML = '<div id="main"><div role="row"><div data-id="3A00000000000000AB01">olá 🚌</div></div></div>'


def mhtml(html: str) -> bytes:
    """A "Webpage, Single File" save as Chromium writes it: multipart/related, the page first."""
    root = email.mime.multipart.MIMEMultipart("related", type="text/html")
    root["From"] = "<Saved by Blink>"
    root["Snapshot-Content-Location"] = "https://web.whatsapp.com/"
    page = email.mime.text.MIMEText(html, "html", "utf-8")
    page["Content-Location"] = "https://web.whatsapp.com/"
    root.attach(page)
    root.attach(email.mime.text.MIMEText("body{}", "css", "utf-8"))
    out = io.StringIO()
    email.generator.Generator(out, mangle_from_=False).flatten(root)
    return out.getvalue().encode("ascii")


@pytest.mark.parametrize("data", [
    HTML.encode("utf-8"),
    b"\xef\xbb\xbf" + HTML.encode("utf-8"),
    HTML.encode("utf-16"),  # BOM-marked
    mhtml(HTML),
])
def test_saved_page_forms(data: bytes) -> None:
    assert offline.decode_saved(data) == HTML


@pytest.mark.parametrize("data", [b"\x89PNG\r\n\x1a\n\x00\xff\xfe\x00", b"\xc3\x28 not utf-8"])
def test_not_a_saved_page(data: bytes) -> None:
    with pytest.raises(offline.NotHtml):
        offline.decode_saved(data)


def test_mhtml_without_html_part() -> None:
    data = (b"From: <Saved by Blink>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/related; "
            b'boundary="b"\r\n\r\n--b\r\nContent-Type: text/css\r\n\r\nbody{}\r\n--b--\r\n')
    with pytest.raises(offline.NotHtml):
        offline.decode_saved(data)


def test_the_main_pane_is_recognised_exactly() -> None:
    assert offline._HAS_MAIN.search('<div id="main">')
    assert offline._HAS_MAIN.search("<div id='main' class=x>")
    assert not offline._HAS_MAIN.search('<div id="main-menu">')
    assert not offline._HAS_MAIN.search('<div data-testid="main">')


def test_cli_refuses_a_binary_file(tmp_path, capsys) -> None:
    path = tmp_path / "photo.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff\xfe\x00\xc3\x28")
    assert offline.run_extract_html(path, json=True, locale="en-US", timezone="UTC") == 2
    assert "FILE must be a saved WhatsApp Web page" in capsys.readouterr().err
