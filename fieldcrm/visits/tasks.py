"""Background jobs that plan weeks: one job per manager and week, fanned out by a PlanningRun.

Production runs them on Celery workers with Redis (the worker count bounds how many plan at once); the
embedded default (no CELERY_BROKER_URL) queues the same task for `JobQueue`, VISIT_JOB_THREADS background
threads of the web process, so a burst of requests waits in line instead of each starting a planner, and
the page that started a run can show its progress. Before anything is queued, the week must lie within
the horizon (`weeks.check_week`) and a manager's own request within the size limit
(`planning.check_size`); a repeated request for a manager and week gets the job already queued or running.
A failed job is retried (PLAN_RETRIES times); the plan itself is written in one transaction, so a failure
never leaves a half-written plan.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

from celery import shared_task
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, close_old_connections, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from fieldcrm.errors import Refusal
from fieldcrm.lib.periods import next_week_start
from fieldcrm.org.models import User
from fieldcrm.visits import planning
from fieldcrm.visits.models import PlanningJob, PlanningRun, WeekPlan
from fieldcrm.visits.weeks import check_week

log = logging.getLogger("fieldcrm.visits")
PLAN_RETRIES = 2


@shared_task(bind=True, max_retries=PLAN_RETRIES, acks_late=True, reject_on_worker_lost=True)
def plan_week_job(self, job_id: int):
    from fieldcrm.visits.actions import generate_week_plan

    job = PlanningJob.objects.select_related("manager__company").get(pk=job_id)
    if job.status == PlanningJob.Status.DONE:  # delivered twice: the plan is already there
        return job.plan_id
    if job.status == PlanningJob.Status.FAILED:  # given up as lost while it waited: a new job replaced it
        return None
    try:
        # Inside the try: a database hiccup here (a lock on the embedded database) is retried like any other,
        # instead of leaving the job queued until it counts as lost.
        PlanningJob.objects.filter(pk=job_id).update(
            status=PlanningJob.Status.RUNNING, started_at=timezone.now(), attempts=F("attempts") + 1
        )
        # A Celery worker process is daemonic and may not fork the planner's second search process.
        plan = generate_week_plan(job.manager, job.week_start, workers=None if self.request.is_eager else 1)
    except Refusal as exc:  # e.g. already submitted: retrying cannot help
        _finish(job_id, PlanningJob.Status.FAILED, error=str(exc))
        return None
    except Exception as exc:
        log.exception("planning job %s failed (attempt %s)", job_id, self.request.retries + 1)
        if self.request.retries < self.max_retries:
            PlanningJob.objects.filter(pk=job_id).update(status=PlanningJob.Status.QUEUED, error=str(exc)[:500])
            raise self.retry(exc=exc, countdown=2 ** self.request.retries) from exc
        _finish(job_id, PlanningJob.Status.FAILED, error=str(exc))
        return None
    _finish(job_id, PlanningJob.Status.DONE, plan=plan)
    return plan.pk


def _finish(job_id, status, *, error="", plan=None):
    PlanningJob.objects.filter(pk=job_id).update(
        status=status, error=error[:500], plan=plan, finished_at=timezone.now()
    )


WAITING = (PlanningJob.Status.QUEUED, PlanningJob.Status.RUNNING)


def start_run(company, week_start, managers, *, by) -> PlanningRun:
    """Queue one planning job per manager for the week and return the run that tracks them. A manager whose
    job for the week is already queued or running keeps that job (it is not in this run)."""
    check_week(week_start, timezone.localdate())
    run = PlanningRun.objects.create(company=company, week_start=week_start, requested_by=by)
    jobs = [job for job, created in (_queue_job(manager, week_start, run) for manager in managers) if created]
    dispatch([job.pk for job in jobs])
    return run


def start_manager_job(manager, week_start) -> PlanningJob:
    """Queue the manager's job for the week, or return the one already queued or running."""
    check_week(week_start, timezone.localdate())
    planning.check_size(manager)
    job, created = _queue_job(manager, week_start)
    if created:
        dispatch([job.pk])
    return job


def start_planning(user, week_start):
    """"Plan this week" as each role means it: a manager plans their own week; a supervisor or admin starts
    a run for the managers of their team who have no plan yet (or, when they are all being planned
    already, gets the run doing it). Returns (run or None, jobs)."""
    check_week(week_start, timezone.localdate())
    if user.is_manager:
        return None, [start_manager_job(user, week_start)]
    if not user.oversees_anyone or user.company is None:
        raise PermissionDenied(_("Only managers, supervisors and admins plan weeks."))
    managers = without_plan(User.objects.team_of(user).active(), week_start)
    if not managers.exists():
        return None, []
    waiting = PlanningJob.objects.filter(manager__in=managers, week_start=week_start, status__in=WAITING)
    if not managers.exclude(pk__in=waiting.values("manager_id")).exists():
        run = PlanningRun.objects.filter(pk__in=waiting.values("run_id")).order_by("-pk").first()
        if run is not None:
            return run, list(run.jobs.select_related("manager"))
        return None, list(waiting.select_related("manager"))
    run = start_run(user.company, week_start, managers, by=user)
    return run, list(run.jobs.select_related("manager"))


@shared_task
def plan_next_week_for_all():
    """The scheduled weekly run (Celery beat, or `manage.py plan_weeks` from cron): a draft for every active
    manager of every company who has no plan for next week yet."""
    from fieldcrm.org.models import Company

    week = next_week_start(timezone.localdate())
    runs = []
    for company in Company.objects.all():
        managers = without_plan(
            User.objects.filter(company=company, role=User.Role.MANAGER, is_active=True), week)
        if managers.exists():
            runs.append(start_run(company, week, managers, by=None).pk)
    return runs


def _queue_job(manager, week_start, run=None) -> tuple[PlanningJob, bool]:
    """(the manager's waiting job for the week, False), or (a new queued job, True). A waiting job that
    stalled (its process went away) is marked failed and replaced. The database allows one waiting job per
    manager and week, so two requests at the same moment get the same job."""
    for _attempt in range(3):
        waiting = PlanningJob.objects.filter(manager=manager, week_start=week_start, status__in=WAITING).first()
        if waiting is not None and not waiting.stalled:
            return waiting, False
        if waiting is not None:
            _finish(waiting.pk, PlanningJob.Status.FAILED, error=_("The job was lost; it was started again."))
        try:
            with transaction.atomic():
                return PlanningJob.objects.create(run=run, manager=manager, week_start=week_start), True
        except IntegrityError:  # another request queued it just now
            continue
    raise RuntimeError(f"could not queue a planning job for {manager} {week_start}")


def without_plan(managers, week_start):
    """A team run plans only managers with no plan for the week yet: a draft someone is editing is theirs."""
    return managers.exclude(pk__in=WeekPlan.objects.filter(week_start=week_start).values("manager_id"))


def dispatch(job_ids: list[int]):
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        for job_id in job_ids:
            plan_week_job.delay(job_id)
    elif settings.VISIT_JOBS_IN_THREAD:
        job_queue().put(job_ids)
    else:  # tests and commands: run now, in this thread
        for job_id in job_ids:
            plan_week_job.apply(args=(job_id,), throw=False)


def _run_job(job_id: int) -> None:
    try:
        plan_week_job.apply(args=(job_id,), throw=False)
    finally:
        close_old_connections()


class JobQueue:
    """A fixed number of daemon threads taking job ids from one queue: however many requests arrive, at
    most `workers` jobs plan at once in this process; the others wait their turn (status "queued")."""

    def __init__(self, workers: int, run: Callable[[int], None] = _run_job):
        self.workers, self.run = max(1, workers), run
        self._jobs: queue.Queue[int] = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def put(self, job_ids: list[int]) -> None:
        for job_id in job_ids:
            self._jobs.put(job_id)
        self._start()

    def join(self) -> None:
        """Wait until every queued job has run (tests, shutdown)."""
        self._jobs.join()

    def _start(self) -> None:
        with self._lock:
            self._threads = [thread for thread in self._threads if thread.is_alive()]
            while len(self._threads) < self.workers:
                thread = threading.Thread(target=self._work, daemon=True, name=f"plan-jobs-{len(self._threads)}")
                thread.start()
                self._threads.append(thread)

    def _work(self) -> None:
        while True:
            job_id = self._jobs.get()
            try:
                self.run(job_id)
            except Exception:  # the job records its own failure; the thread must live on
                log.exception("planning job %s crashed its thread", job_id)
            finally:
                self._jobs.task_done()


_queue: JobQueue | None = None
_queue_lock = threading.Lock()


def job_queue() -> JobQueue:
    """The process's queue, created on first use with VISIT_JOB_THREADS workers."""
    global _queue
    with _queue_lock:
        if _queue is None:
            _queue = JobQueue(settings.VISIT_JOB_THREADS)
        return _queue
