"""Image files: checksum, content-addressed path, Pillow validation, atomic private write.

An image is stored at ``<ATTACHMENTS_DIR>/<h[0:2]>/<h[2:4]>/<h>.<ext>`` where ``h`` is the
sha256 of its bytes and ``ext`` comes from the type Pillow *detects* (never from a file name,
MIME type or anything else the message claims). Identical images share one file.

Validation, in order, each failure an ``ImageRejected`` with a fixed reason:

==================== ================================================================
``empty``            no bytes
``over_size_cap``    more than ``max_bytes`` (``WHATSAPP_MEDIA_MAX_BYTES``)
``not_an_image``     Pillow cannot identify the bytes
``unsupported_format`` identified, but not JPEG, PNG, WEBP or GIF
``decompression_bomb`` width x height above ``max_pixels`` (``IMAGE_MAX_PIXELS``), or
                     Pillow's own ``DecompressionBombError``/``DecompressionBombWarning``
``corrupt``          ``verify()`` fails, or a full decode (``load()``) fails (truncation)
==================== ================================================================

The dimensions are checked from the header before anything is decoded, so a crafted
100000 x 100000 PNG costs nothing. Pillow's warning threshold (``Image.MAX_IMAGE_PIXELS``,
about 89 MP) is treated as a rejection too, so ``max_pixels`` above it has no effect.

Writes are atomic: a temp file (0600) in the target directory, write, flush, fsync,
``os.replace``, fsync of the directory. Directories are created 0700. No temp file survives
an error.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import os
import struct
import tempfile
import warnings
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from kenny_wa.errors import KennyWaError

# Pillow format name -> (file extension, MIME type)
FORMATS: dict[str, tuple[str, str]] = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
    "GIF": ("gif", "image/gif"),
}
REJECT_REASONS = (
    "empty",
    "not_an_image",
    "corrupt",
    "decompression_bomb",
    "over_size_cap",
    "unsupported_format",
)
_MESSAGES = {
    "empty": "image rejected: no bytes",
    "not_an_image": "image rejected: not an image",
    "corrupt": "image rejected: corrupt or truncated",
    "decompression_bomb": "image rejected: too many pixels",
    "over_size_cap": "image rejected: larger than the size cap",
    "unsupported_format": "image rejected: unsupported image format",
}
DIR_MODE = 0o700
FILE_MODE = 0o600


class ImageRejected(KennyWaError):
    """An image was rejected."""

    status = "image_rejected"

    def __init__(self, reason: str) -> None:
        if reason not in _MESSAGES:
            raise ValueError("unknown rejection reason")
        self.reason = reason
        super().__init__(_MESSAGES[reason])


@dataclasses.dataclass(frozen=True, slots=True)
class ImageInfo:
    """What validation learnt about an image."""

    format: str  # Pillow format name, one of FORMATS
    ext: str
    media_type: str
    width: int
    height: int


@dataclasses.dataclass(frozen=True, slots=True)
class StoredImage:
    """An image stored under ATTACHMENTS_DIR."""

    checksum: str  # sha256 hex of the bytes
    file_path: str  # absolute
    media_type: str  # MIME, from the detected format
    size_bytes: int
    width: int
    height: int
    deduplicated: bool = False  # True when the file already existed and was not rewritten


def sha256_hex(data: bytes) -> str:
    """sha256 of ``data`` as lowercase hex."""
    return hashlib.sha256(data).hexdigest()


def content_path(root: Path, checksum: str, ext: str) -> Path:
    """``root/<2 hex>/<2 hex>/<checksum>.<ext>`` for a sha256 hex checksum."""
    if len(checksum) != 64 or any(c not in "0123456789abcdef" for c in checksum):
        raise ValueError("checksum must be a lowercase sha256 hex digest")
    if not ext.isalnum():
        raise ValueError("extension must be alphanumeric")
    return Path(root) / checksum[0:2] / checksum[2:4] / f"{checksum}.{ext}"


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) owner-only (0700); tighten it if it exists.

    An existing directory owned by someone else is left alone (chmod would fail anyway).
    """
    path = Path(path)
    missing: list[Path] = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for directory in reversed(missing):
        with contextlib.suppress(FileExistsError):
            directory.mkdir(mode=DIR_MODE)
        os.chmod(directory, DIR_MODE)  # mkdir's mode is filtered by the umask
    if not path.is_dir():
        raise NotADirectoryError(str(path))
    if path.stat().st_uid == os.geteuid() and (path.stat().st_mode & 0o777) != DIR_MODE:
        os.chmod(path, DIR_MODE)
    return path


def validate_image(data: bytes, *, max_pixels: int, max_bytes: int | None = None) -> ImageInfo:
    """Check ``data`` is a complete JPEG/PNG/WEBP/GIF within the caps; raise ImageRejected."""
    if not data:
        raise ImageRejected("empty")
    if max_bytes is not None and len(data) > max_bytes:
        raise ImageRejected("over_size_cap")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:
                fmt = probe.format or ""
                width, height = probe.size
                if fmt not in FORMATS:
                    raise ImageRejected("unsupported_format")
                if width <= 0 or height <= 0:
                    raise ImageRejected("corrupt")
                if width * height > max_pixels:
                    raise ImageRejected("decompression_bomb")
                probe.verify()
            with Image.open(io.BytesIO(data)) as full:
                full.load()
        except ImageRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageRejected("decompression_bomb") from None
        except UnidentifiedImageError:
            raise ImageRejected("not_an_image") from None
        except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, struct.error):
            raise ImageRejected("corrupt") from None
    ext, media_type = FORMATS[fmt]
    return ImageInfo(format=fmt, ext=ext, media_type=media_type, width=width, height=height)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` atomically (temp file in the same directory, 0600)."""
    directory = target.parent
    fd, tmp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=directory)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), FILE_MODE)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
        _fsync_dir(directory)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


TEMP_PREFIX = ".tmp-"
TEMP_SUFFIX = ".part"
STALE_TEMP_SECONDS = 60.0  # a live write takes milliseconds; older temp files are a crash's


def sweep_temp_files(attachments_dir: Path, *, older_than_s: float = STALE_TEMP_SECONDS) -> int:
    """Delete temp files a killed writer left (``.tmp-*.part`` older than ``older_than_s``).

    ``write_atomic`` removes its temp file on every error, but nothing runs on SIGKILL or
    power loss. Returns how many were removed; errors are ignored (the next run tries again).
    """
    import time

    root = Path(attachments_dir).expanduser()
    if not root.is_dir():
        return 0
    removed = 0
    limit = time.time() - older_than_s
    with contextlib.suppress(OSError):
        for path in root.rglob(f"{TEMP_PREFIX}*{TEMP_SUFFIX}"):
            with contextlib.suppress(OSError):
                if path.is_file() and path.stat().st_mtime < limit:
                    path.unlink()
                    removed += 1
    return removed


def store_image(
    data: bytes,
    attachments_dir: Path,
    *,
    max_pixels: int,
    max_bytes: int | None = None,
) -> StoredImage:
    """Validate ``data`` and store it content-addressed under ``attachments_dir``.

    Raises ``ImageRejected`` for bad images and ``OSError`` when the file cannot be written
    (then no partial or temp file is left).
    """
    info = validate_image(data, max_pixels=max_pixels, max_bytes=max_bytes)
    checksum = sha256_hex(data)
    root = Path(attachments_dir).expanduser().absolute()
    target = content_path(root, checksum, info.ext)
    ensure_private_dir(root)
    ensure_private_dir(target.parent)
    deduplicated = False
    try:
        deduplicated = target.is_file() and target.stat().st_size == len(data)
    except OSError:
        deduplicated = False
    if not deduplicated:
        write_atomic(target, data)
    return StoredImage(
        checksum=checksum,
        file_path=str(target),
        media_type=info.media_type,
        size_bytes=len(data),
        width=info.width,
        height=info.height,
        deduplicated=deduplicated,
    )
