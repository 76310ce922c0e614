"""Imports as background jobs: the upload page queues the check (the preview), the confirm queues the write.

Production runs `import_job` on the Celery workers (they must see DATA_DIR/imports, where the upload is
staged); without a broker it runs on a background thread of the web process (`visits.tasks.JobQueue`, one
thread of its own), and inline in tests and commands (VISIT_JOBS_IN_THREAD off). A job claims its run with
a conditional UPDATE of the status, so a job delivered twice does nothing the second time. Progress (rows
read, share of the file read) goes to a small JSON file beside the staged upload: the order import reads
inside a transaction, where a progress row in the database would be invisible to the page until the end.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from fieldcrm.imports.flow import ImportResult, write_rejection_report
from fieldcrm.imports.kinds import IMPORTERS
from fieldcrm.imports.models import ImportRun
from fieldcrm.visits.tasks import JobQueue

log = logging.getLogger("fieldcrm.imports")
PREVIEW_ROWS = 500  # rejected rows kept in the run's summary (all of them are in the xlsx report)
Status = ImportRun.Status


def staging_dir() -> Path:
    return Path(settings.IMPORT_STAGING_DIR)


def report_path(run: ImportRun) -> Path:
    return staging_dir() / f"report-{run.pk}.xlsx"


def cache_path(run: ImportRun) -> Path:
    return staging_dir() / f"checked-{run.pk}.pickle"


def progress_path(run_id: int) -> Path:
    return staging_dir() / f"progress-{run_id}.json"


def read_progress(run: ImportRun) -> dict:
    """{"rows": rows read, "percent": 0–100 or None} of the run's current job."""
    try:
        return json.loads(progress_path(run.pk).read_text())
    except (OSError, ValueError):
        return {"rows": 0, "percent": None}


class _Reporter:
    """The importer's progress callback: writes the progress file at most twice a second."""

    def __init__(self, run_id: int):
        self.path, self.last = progress_path(run_id), 0.0

    def __call__(self, rows: int, fraction: float | None) -> None:
        now = time.monotonic()
        if now - self.last < 0.5 and fraction != 1.0:
            return
        self.last = now
        percent = None if fraction is None else round(100 * fraction)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"rows": rows, "percent": percent}))
        temporary.replace(self.path)  # the page never reads a half-written file


def summarise(result: ImportResult) -> dict:
    return {
        "new": result.new,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "rejected_rows": result.rejected_rows,
        "rejections": len(result.rejected),
        "rejected": [r.as_dict() for r in result.rejected[:PREVIEW_ROWS]],
        "ignored_columns": result.ignored_columns,
        "total_rows": result.total_rows,
        "valid_rows": result.valid_rows,
        "no_data": result.no_data,
        "written": result.written,
    }


@shared_task(acks_late=True)
def import_job(run_id: int) -> str | None:
    """Check (preview) or write the run, whichever it waits for."""
    for waiting, working, step in ((Status.QUEUED, Status.CHECKING, _check),
                                   (Status.CONFIRMED, Status.WRITING, _write)):
        if ImportRun.objects.filter(pk=run_id, status=waiting).update(status=working):
            run = ImportRun.objects.select_related("user").get(pk=run_id)
            try:
                step(run)
            except Exception as exc:  # recorded on the run: the page must stop waiting
                log.exception("import run %s failed", run_id)
                _fail(run, exc)
            finally:
                progress_path(run_id).unlink(missing_ok=True)
            return run.status
    return None  # delivered twice, or the run is not waiting for a job


def _importer(run: ImportRun):
    return IMPORTERS[run.kind](run.user, run.language)


def _check(run: ImportRun) -> None:
    try:
        result = _importer(run).run(Path(run.staged_path), filename=run.file_name, commit=False,
                                    cache=cache_path(run), progress=_Reporter(run.pk))
    except ValueError as exc:  # ImportFileError: the file as a whole is unusable
        _discard_upload(run)
        with override(run.language):
            run.summary = {"error": _("The file could not be read: %(error)s") % {"error": exc}}
        run.status = Status.FAILED
        run.finished_at = timezone.now()
        run.save()
        return
    write_rejection_report(report_path(run), result, run.language)
    run.summary = summarise(result)
    run.status = Status.PREVIEWED
    run.save(update_fields=["summary", "status"])


def _write(run: ImportRun) -> None:
    # Checked again: the database may have changed since the preview.
    result = _importer(run).run(Path(run.staged_path), filename=run.file_name, commit=True,
                                valid_only=run.valid_only, cache=cache_path(run), progress=_Reporter(run.pk))
    write_rejection_report(report_path(run), result, run.language)
    run.summary = {**summarise(result), "valid_only": run.valid_only}
    run.status = Status.COMMITTED if result.written else Status.NOTHING_WRITTEN
    run.finished_at = timezone.now()
    _discard_upload(run)
    run.save()


def _fail(run: ImportRun, exc: Exception) -> None:
    with override(run.language):
        run.summary = {**run.summary, "error": _("The import failed: %(error)s") % {"error": exc}}
    run.status = Status.FAILED
    run.finished_at = timezone.now()
    _discard_upload(run)
    run.save()


def _discard_upload(run: ImportRun) -> None:
    """The uploaded personal data does not linger once the run is over."""
    if run.staged_path:
        Path(run.staged_path).unlink(missing_ok=True)
    cache_path(run).unlink(missing_ok=True)
    run.staged_path = ""


def dispatch(run_id: int) -> None:
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        import_job.delay(run_id)
    elif settings.VISIT_JOBS_IN_THREAD:
        job_queue().put([run_id])
    else:  # tests and commands: now, in this thread
        import_job.apply(args=(run_id,), throw=False)


def _run_job(run_id: int) -> None:
    try:
        import_job.apply(args=(run_id,), throw=False)
    finally:
        close_old_connections()


_queue: JobQueue | None = None
_queue_lock = threading.Lock()


def job_queue() -> JobQueue:
    """The process's import queue (one thread: imports wait for each other, not for route planning)."""
    global _queue
    with _queue_lock:
        if _queue is None:
            _queue = JobQueue(1, run=_run_job)
        return _queue
