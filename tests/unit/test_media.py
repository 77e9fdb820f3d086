from __future__ import annotations

import io
import os
import stat
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from kenny_wa import media

MAX_PIXELS = 40_000_000


def image_bytes(fmt: str, size=(32, 24), color=(200, 30, 30), **kw) -> bytes:
    buffer = io.BytesIO()
    mode = "P" if fmt == "GIF" else "RGB"
    Image.new(mode, size, color if mode == "RGB" else 1).save(buffer, format=fmt, **kw)
    return buffer.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose IHDR claims width x height with a tiny (valid-looking) IDAT."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")
    )


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


@pytest.mark.parametrize(
    "fmt, ext, mime",
    [("JPEG", "jpg", "image/jpeg"), ("PNG", "png", "image/png"),
     ("WEBP", "webp", "image/webp"), ("GIF", "gif", "image/gif")],
)
def test_store_valid_images(tmp_path, fmt, ext, mime):
    data = image_bytes(fmt)
    stored = media.store_image(data, tmp_path / "att", max_pixels=MAX_PIXELS)
    checksum = media.sha256_hex(data)
    expected = tmp_path / "att" / checksum[:2] / checksum[2:4] / f"{checksum}.{ext}"
    assert stored.file_path == str(expected)
    assert Path(stored.file_path).is_absolute()
    assert expected.read_bytes() == data
    assert stored.checksum == checksum
    assert stored.media_type == mime
    assert (stored.width, stored.height, stored.size_bytes) == (32, 24, len(data))
    assert stat.S_IMODE(expected.stat().st_mode) == 0o600
    for directory in (tmp_path / "att", expected.parent, expected.parent.parent):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert files_under(tmp_path / "att") == [expected]


def test_extension_comes_from_content_not_claims(tmp_path):
    data = image_bytes("PNG")  # whatever the message said, this is a PNG
    assert media.store_image(data, tmp_path, max_pixels=MAX_PIXELS).file_path.endswith(".png")


def test_identical_images_share_one_file(tmp_path):
    data = image_bytes("JPEG")
    first = media.store_image(data, tmp_path, max_pixels=MAX_PIXELS)
    mtime = os.stat(first.file_path).st_mtime_ns
    second = media.store_image(data, tmp_path, max_pixels=MAX_PIXELS)
    assert first.file_path == second.file_path
    assert not first.deduplicated and second.deduplicated
    assert os.stat(second.file_path).st_mtime_ns == mtime
    assert len(files_under(tmp_path)) == 1


def test_wrong_size_existing_file_is_rewritten(tmp_path):
    data = image_bytes("PNG")
    stored = media.store_image(data, tmp_path, max_pixels=MAX_PIXELS)
    Path(stored.file_path).write_bytes(b"partial")
    again = media.store_image(data, tmp_path, max_pixels=MAX_PIXELS)
    assert not again.deduplicated
    assert Path(again.file_path).read_bytes() == data


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "empty"),
        (b"hello, this is just text", "not_an_image"),
        (b"\x00" * 100, "not_an_image"),
        (image_bytes("PNG")[:60], "corrupt"),  # truncated PNG
        (image_bytes("JPEG", size=(256, 256))[:400], "corrupt"),  # truncated JPEG
        (image_bytes("BMP"), "unsupported_format"),
        (image_bytes("TIFF"), "unsupported_format"),
        (png_header_only(100_000, 100_000), "decompression_bomb"),
        (png_header_only(10_000, 5_000), "decompression_bomb"),  # 50 MP > 40 MP cap
    ],
)
def test_rejections(tmp_path, data, reason):
    with pytest.raises(media.ImageRejected) as info:
        media.store_image(data, tmp_path / "att", max_pixels=MAX_PIXELS)
    assert info.value.reason == reason
    assert str(info.value) == media._MESSAGES[reason]
    assert not (tmp_path / "att").exists() or files_under(tmp_path / "att") == []


def test_corrupt_body_is_rejected():
    data = bytearray(image_bytes("PNG", size=(64, 64)))
    data[-30:-12] = b"\xff" * 18  # damage IDAT/CRC
    with pytest.raises(media.ImageRejected) as info:
        media.validate_image(bytes(data), max_pixels=MAX_PIXELS)
    assert info.value.reason == "corrupt"


def test_over_size_cap(tmp_path):
    data = image_bytes("PNG")
    with pytest.raises(media.ImageRejected) as info:
        media.store_image(data, tmp_path, max_pixels=MAX_PIXELS, max_bytes=len(data) - 1)
    assert info.value.reason == "over_size_cap"
    assert media.store_image(data, tmp_path, max_pixels=MAX_PIXELS, max_bytes=len(data))


def test_pixel_cap_is_configurable():
    data = image_bytes("PNG", size=(100, 100))
    with pytest.raises(media.ImageRejected):
        media.validate_image(data, max_pixels=9_999)
    assert media.validate_image(data, max_pixels=10_000).width == 100


def test_rejection_message_carries_no_content():
    with pytest.raises(media.ImageRejected) as info:
        media.validate_image(b"my secret words", max_pixels=MAX_PIXELS)
    assert "secret" not in str(info.value) and "secret" not in repr(info.value)
    with pytest.raises(ValueError):
        media.ImageRejected("made_up")


def test_content_path():
    checksum = "ab" + "cd" + "0" * 60
    assert media.content_path(Path("/r"), checksum, "png") == Path(f"/r/ab/cd/{checksum}.png")
    with pytest.raises(ValueError):
        media.content_path(Path("/r"), "../../etc", "png")
    with pytest.raises(ValueError):
        media.content_path(Path("/r"), checksum, "png/../x")


def test_ensure_private_dir_creates_and_tightens(tmp_path):
    target = tmp_path / "a" / "b" / "c"
    media.ensure_private_dir(target)
    for directory in (tmp_path / "a", tmp_path / "a" / "b", target):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    loose = tmp_path / "loose"
    loose.mkdir(mode=0o755)
    os.chmod(loose, 0o755)
    media.ensure_private_dir(loose)
    assert stat.S_IMODE(loose.stat().st_mode) == 0o700
    (tmp_path / "file").write_text("x")
    with pytest.raises(OSError):
        media.ensure_private_dir(tmp_path / "file")


def test_unwritable_location_raises_oserror_and_leaves_nothing(tmp_path):
    data = image_bytes("PNG")
    checksum = media.sha256_hex(data)
    root = tmp_path / "att"
    root.mkdir()
    (root / checksum[:2]).write_bytes(b"a file where a directory should be")
    with pytest.raises(OSError):
        media.store_image(data, root, max_pixels=MAX_PIXELS)
    assert files_under(root) == [root / checksum[:2]]


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_read_only_directory_raises_oserror(tmp_path):
    root = tmp_path / "att"
    root.mkdir()
    os.chmod(root, 0o500)
    try:
        with pytest.raises(OSError):
            media.store_image(image_bytes("PNG"), root, max_pixels=MAX_PIXELS)
    finally:
        os.chmod(root, 0o700)
    assert files_under(root) == []


@pytest.mark.parametrize("fail_at", ["write", "fsync", "replace"])
def test_failed_write_leaves_no_temp_file(tmp_path, monkeypatch, fail_at):
    data = image_bytes("PNG")
    boom = OSError(28, "No space left on device")

    def fail(*args, **kwargs):
        raise boom

    if fail_at == "replace":
        monkeypatch.setattr(media.os, "replace", fail)
    elif fail_at == "fsync":
        monkeypatch.setattr(media.os, "fsync", fail)
    else:
        monkeypatch.setattr(media.os, "fchmod", fail)
    with pytest.raises(OSError):
        media.store_image(data, tmp_path, max_pixels=MAX_PIXELS)
    assert files_under(tmp_path) == []
