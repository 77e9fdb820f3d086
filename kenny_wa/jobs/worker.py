"""``kenny-wa worker``: the Procrastinate worker against the settings' database."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

from kenny_wa import extractors, store
from kenny_wa.config import Settings
from kenny_wa.jobs import extraction, handoff, sweeper
from kenny_wa.jobs.application import app
from kenny_wa.jobs.runtime import use_database


def run_worker(
    settings: Settings,
    queues: Sequence[str] = (extraction.QUEUE, handoff.QUEUE),
    wait: bool = True,
    *,
    concurrency: int | None = None,
    install_signal_handlers: bool = True,
) -> None:
    """Run the Procrastinate worker (``kenny-wa worker``) against the settings' database.

    Jobs run with these ``settings`` (e.g. ``image_processing_enabled``), ``concurrency``
    of them at a time (default ``KENNY_WA_WORKER_CONCURRENCY``). The ``maintenance`` queue
    (the stalled-job sweeper) is always added to a non-empty queue list. ``wait=False``
    processes the jobs that are ready now and returns.

    With image processing on, the extractor is resolved before the first job (a bad
    ``KENNY_WA_EXTRACTOR`` raises ``ConfigError``) and the built-in OCR loads its models
    now, once for this process (a missing or altered model raises ``OcrUnavailable``).
    """
    url = store.resolve_pg_url(settings)
    slots = concurrency or settings.worker_concurrency
    queue_list = list(dict.fromkeys(queues))
    if queue_list and sweeper.QUEUE not in queue_list:
        queue_list.append(sweeper.QUEUE)
    with use_database(url, settings), _extraction_engine(settings, queue_list, slots):
        app.run_worker(
            queues=queue_list or None,
            wait=wait,
            concurrency=slots,
            install_signal_handlers=install_signal_handlers,
        )


@contextlib.contextmanager
def _extraction_engine(settings: Settings, queue_list: list[str], slots: int) -> Iterator[None]:
    """Check the extractor and load the OCR models before the worker takes a job."""
    if not settings.image_processing_enabled or (queue_list and extraction.QUEUE not in queue_list):
        yield
        return
    extractor = extractors.resolve_extractor(settings.extractor or "", default=extractors.DEFAULT)
    if extraction.extractor_name(extractor) != "ocr":
        yield
        return
    from kenny_wa import ocr

    ocr.configure(concurrency=slots, timeout_s=settings.ocr_timeout_seconds,
                  max_pixels=settings.image_max_pixels)
    try:
        yield
    finally:
        ocr.shutdown()
