"""Background jobs that plan weeks: one job per manager, fanned out by a PlanningRun.

Production runs them on Celery workers with Redis; the embedded default (no CELERY_BROKER_URL) runs the
same task in-process on a background thread, so the page that started a run can show its progress.
A failed job is retried (PLAN_RETRIES times); the plan itself is written in one transaction, so a failure
never leaves a half-written plan.
"""

from __future__ import annotations

import logging
import threading

from celery import shared_task
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import close_old_connections
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from fieldcrm.errors import ActionRefused, Refusal
from fieldcrm.org.models import User
from fieldcrm.visits.models import PlanningJob, PlanningRun

log = logging.getLogger("fieldcrm.visits")
PLAN_RETRIES = 2


@shared_task(bind=True, max_retries=PLAN_RETRIES, acks_late=True, reject_on_worker_lost=True)
def plan_week_job(self, job_id: int):
    from fieldcrm.visits.actions import generate_week_plan

    job = PlanningJob.objects.select_related("manager__company").get(pk=job_id)
    if job.status == PlanningJob.Status.DONE:  # delivered twice: the plan is already there
        return job.plan_id
    PlanningJob.objects.filter(pk=job_id).update(
        status=PlanningJob.Status.RUNNING, started_at=timezone.now(), attempts=F("attempts") + 1
    )
    try:
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


def start_run(company, week_start, managers, *, by) -> PlanningRun:
    """Queue one planning job per manager for the week and return the run that tracks them."""
    run = PlanningRun.objects.create(company=company, week_start=week_start, requested_by=by)
    jobs = PlanningJob.objects.bulk_create(
        PlanningJob(run=run, manager=manager, week_start=week_start) for manager in managers
    )
    dispatch([job.pk for job in jobs])
    return run


def start_planning(user, week_start):
    """"Plan this week" as each role means it: a manager plans their own week; a supervisor or admin starts
    a run for the managers of their team who have no plan yet. Returns (run or None, jobs)."""
    from fieldcrm.visits.planning import week_error

    error = week_error(week_start, timezone.localdate())
    if error:
        raise ActionRefused(error)
    if user.role == User.Role.MANAGER:
        return None, [start_manager_job(user, week_start)]
    if user.role not in (User.Role.SUPERVISOR, User.Role.ADMIN) or user.company is None:
        raise PermissionDenied(_("Only managers, supervisors and admins plan weeks."))
    managers = without_plan(managers_for(user, user.company), week_start)
    if not managers.exists():
        return None, []
    run = start_run(user.company, week_start, managers, by=user)
    return run, list(run.jobs.select_related("manager"))


@shared_task
def plan_next_week_for_all():
    """The scheduled weekly run (Celery beat, or `manage.py plan_weeks` from cron): a draft for every active
    manager of every company who has no plan for next week yet."""
    from fieldcrm.org.models import Company
    from fieldcrm.visits.planning import next_week_start

    week = next_week_start(timezone.localdate())
    runs = []
    for company in Company.objects.all():
        managers = without_plan(
            User.objects.filter(company=company, role=User.Role.MANAGER, is_active=True), week)
        if managers.exists():
            runs.append(start_run(company, week, managers, by=None).pk)
    return runs


def start_manager_job(manager, week_start) -> PlanningJob:
    job = PlanningJob.objects.create(manager=manager, week_start=week_start)
    dispatch([job.pk])
    return job


def managers_for(user, company):
    """The managers whose plans a user may have generated: a supervisor's team, or all for an admin."""
    managers = User.objects.filter(company=company, role=User.Role.MANAGER, is_active=True).order_by("username")
    if user.role == User.Role.SUPERVISOR:
        return managers.filter(area_id=user.area_id) if user.area_id else managers.none()
    return managers


def without_plan(managers, week_start):
    """A team run plans only managers with no plan for the week yet: a draft someone is editing is theirs."""
    from fieldcrm.visits.models import WeekPlan

    return managers.exclude(pk__in=WeekPlan.objects.filter(week_start=week_start).values("manager_id"))


def dispatch(job_ids: list[int]):
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        for job_id in job_ids:
            plan_week_job.delay(job_id)
    elif settings.VISIT_JOBS_IN_THREAD:
        threading.Thread(target=_run_in_thread, args=(job_ids,), daemon=True, name="plan-jobs").start()
    else:  # tests and commands: run now, in this thread
        for job_id in job_ids:
            plan_week_job.apply(args=(job_id,), throw=False)


def _run_in_thread(job_ids):
    try:
        for job_id in job_ids:
            plan_week_job.apply(args=(job_id,), throw=False)
    finally:
        close_old_connections()
