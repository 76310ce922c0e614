"""Scheduled service planning (Celery beat; `manage.py plan_services` does the same from cron)."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from fieldcrm.care.actions import plan_services
from fieldcrm.lib.periods import week_start
from fieldcrm.org.models import Company


@shared_task
def plan_services_for_all(days: int = 35) -> int:
    """Plan this week and the next four and re-plan the open tasks (what they say, cancelled when nothing
    is left): from this week's Monday, so news entered since the last run reaches this week's tasks too.
    Running it daily keeps what tasks say at most a day behind the catalogue."""
    today = timezone.localdate()
    start = week_start(today)
    return sum(plan_services(company, start, start + timedelta(days=days)) for company in Company.objects.all())
