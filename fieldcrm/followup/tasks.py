"""Scheduled escalation (Celery beat; `manage.py escalate_demands` does the same from cron)."""

from celery import shared_task

from fieldcrm.followup.actions import escalate_overdue


@shared_task
def escalate_overdue_demands() -> int:
    return escalate_overdue()
