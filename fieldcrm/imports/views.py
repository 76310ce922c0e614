"""Spreadsheet imports in the browser: upload → preview (nothing written) → confirm → result."""

import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fieldcrm.imports.access import get_run_for_user, require_importer
from fieldcrm.imports.flow import ImportResult, write_rejection_report
from fieldcrm.imports.forms import IMPORTERS, ImportUploadForm
from fieldcrm.imports.models import ImportRun

PREVIEW_ROWS = 500


def _report_path(run: ImportRun) -> Path:
    return Path(settings.IMPORT_STAGING_DIR) / f"report-{run.pk}.xlsx"


def _cache_path(run: ImportRun) -> Path:
    return Path(settings.IMPORT_STAGING_DIR) / f"checked-{run.pk}.pickle"


def _summarise(result: ImportResult) -> dict:
    return {
        "new": result.new,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "rejected_rows": result.rejected_rows,
        "rejections": len(result.rejected),
        "rejected": [r.as_dict() for r in result.rejected[:PREVIEW_ROWS]],
        "ignored_columns": result.ignored_columns,
        "total_rows": result.total_rows,
    }


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    require_importer(request.user)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        staging = Path(settings.IMPORT_STAGING_DIR)
        staging.mkdir(parents=True, exist_ok=True)
        staged = staging / f"{uuid.uuid4().hex}{Path(uploaded.name).suffix.lower()}"
        with staged.open("wb") as out:
            for chunk in uploaded.chunks():
                out.write(chunk)
        run = ImportRun.objects.create(
            kind=form.cleaned_data["kind"], user=request.user,  # type: ignore[misc]  # login_required: a User
            file_name=uploaded.name[:200], staged_path=str(staged)
        )
        importer = IMPORTERS[run.kind](request.user, request.LANGUAGE_CODE)
        try:
            result = importer.run(staged, filename=uploaded.name, commit=False, cache=_cache_path(run))
        except ValueError as exc:  # ImportFileError: the file as a whole is unusable
            staged.unlink(missing_ok=True)
            run.status = ImportRun.Status.FAILED
            run.summary = {"error": str(exc)}
            run.save()
            messages.error(request, _("The file could not be read: %(error)s") % {"error": exc})
            return redirect("imports:upload")
        write_rejection_report(_report_path(run), result, request.LANGUAGE_CODE)
        run.summary = _summarise(result)
        run.save()
        return redirect("imports:preview", pk=run.pk)
    runs = ImportRun.objects.filter(user=request.user)[:20]  # type: ignore[misc]  # login_required: a User
    return render(request, "imports/upload.html", {"form": form, "runs": runs})


@login_required
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_run_for_user(request.user, pk)
    return render(request, "imports/preview.html", {"run": run, "summary": run.summary})


@login_required
@require_POST
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_run_for_user(request.user, pk)
    if run.status != ImportRun.Status.PREVIEWED:
        messages.error(request, _("This import has already been run."))
        return redirect("imports:preview", pk=pk)
    valid_only = request.POST.get("valid_only") == "1"
    importer = IMPORTERS[run.kind](request.user, request.LANGUAGE_CODE)
    # Checked again at commit: the database may have changed since the preview.
    result = importer.run(
        Path(run.staged_path), filename=run.file_name, commit=True, valid_only=valid_only, cache=_cache_path(run)
    )
    write_rejection_report(_report_path(run), result, request.LANGUAGE_CODE)
    run.summary = {**_summarise(result), "valid_only": valid_only}
    run.status = ImportRun.Status.COMMITTED if result.written else ImportRun.Status.NOTHING_WRITTEN
    run.finished_at = timezone.now()
    Path(run.staged_path).unlink(missing_ok=True)
    _cache_path(run).unlink(missing_ok=True)
    run.staged_path = ""
    run.save()
    if result.written:
        messages.success(request, _("Imported: %(new)s new, %(updated)s updated.") % {"new": result.new,
                                                                                     "updated": result.updated})
    else:
        messages.warning(request, _("Nothing was written."))
    return redirect("imports:preview", pk=pk)


@login_required
def report(request: HttpRequest, pk: int) -> HttpResponseBase:
    run = get_run_for_user(request.user, pk)
    path = _report_path(run)
    if not path.exists():
        raise Http404("No report")
    return FileResponse(path.open("rb"), as_attachment=True, filename=f"import-{run.pk}-rejected.xlsx")
