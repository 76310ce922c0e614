"""Spreadsheet imports in the browser: upload → a job checks the file (progress bar) → preview (nothing
written) → confirm → a job writes (progress bar) → done, with the rejected-rows report throughout."""

import io
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fieldcrm.imports import tasks
from fieldcrm.imports.access import get_run_for_user, require_importer
from fieldcrm.imports.forms import ConfirmForm, ImportUploadForm
from fieldcrm.imports.kinds import IMPORTERS
from fieldcrm.imports.models import ImportRun
from fieldcrm.lib.sheets import write_rows_xlsx


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
            file_name=uploaded.name[:200], staged_path=str(staged), status=ImportRun.Status.QUEUED,
            language=request.LANGUAGE_CODE,
        )
        tasks.dispatch(run.pk)
        run.refresh_from_db()
        if run.status == ImportRun.Status.FAILED:  # checked at once (no background jobs) and unreadable
            messages.error(request, run.summary.get("error", ""))
            return redirect("imports:upload")
        return redirect("imports:preview", pk=run.pk)
    runs = ImportRun.objects.filter(user=request.user)[:20]  # type: ignore[misc]  # login_required: a User
    kinds = [{"kind": kind, "label": importer.label, "columns": importer.columns}
             for kind, importer in IMPORTERS.items()]
    return render(request, "imports/upload.html", {"form": form, "runs": runs, "kinds": kinds})


@login_required
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The run's page: progress while a job works on it, then the preview, then the outcome."""
    run = get_run_for_user(request.user, pk)
    return render(request, "imports/preview.html", {"run": run, "summary": run.summary,
                                                    "progress": tasks.read_progress(run)})


@login_required
def progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar alone, polled by htmx; once the job is done, the whole page reloads."""
    run = get_run_for_user(request.user, pk)
    response = render(request, "imports/_progress.html", {"run": run, "progress": tasks.read_progress(run)})
    if not run.working:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_run_for_user(request.user, pk)
    form = ConfirmForm(request.POST)
    valid_only = form.is_valid() and form.cleaned_data["valid_only"]
    if valid_only and not run.summary.get("valid_rows", 1):
        messages.error(request, _("No row is valid: there is nothing to import."))
        return redirect("imports:preview", pk=pk)
    claimed = ImportRun.objects.filter(pk=pk, status=ImportRun.Status.PREVIEWED).update(
        status=ImportRun.Status.CONFIRMED, valid_only=valid_only)
    if not claimed:
        messages.error(request, _("This import has already been run."))
        return redirect("imports:preview", pk=pk)
    tasks.dispatch(run.pk)
    run.refresh_from_db()
    if run.status == ImportRun.Status.COMMITTED:
        messages.success(request, _("Imported: %(new)s new, %(updated)s updated.")
                         % {"new": run.summary["new"], "updated": run.summary["updated"]})
    elif run.status == ImportRun.Status.NOTHING_WRITTEN:
        messages.warning(request, _("Nothing was written."))
    return redirect("imports:preview", pk=pk)


@login_required
def report(request: HttpRequest, pk: int) -> HttpResponseBase:
    run = get_run_for_user(request.user, pk)
    path = tasks.report_path(run)
    if not path.exists():
        raise Http404("No report")
    return FileResponse(path.open("rb"), as_attachment=True, filename=f"import-{run.pk}-rejected.xlsx")


@login_required
def template(request: HttpRequest, kind: str) -> HttpResponseBase:
    """An empty workbook with the contract's headers (required ones marked *, which matching ignores)."""
    require_importer(request.user)
    importer = IMPORTERS.get(kind)
    if importer is None:
        raise Http404("No such kind of import")
    header = [("*" if c.required else "") + c.aliases[0] for c in importer.columns]
    out = io.BytesIO()
    write_rows_xlsx(out, header, [])
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename=f"{kind}-template.xlsx")
