"""Scheduled service planning (Celery beat; `manage.py plan_services` does the same from cron)."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from fieldcrm.care.actions import plan_services
from fieldcrm.org.models import Company


@shared_task
def plan_services_for_all(days: int = 28) -> int:
    today = timezone.localdate()
    start = today + timedelta(days=(7 - today.weekday()) % 7)
    return sum(plan_services(company, start, start + timedelta(days=days)) for company in Company.objects.all())
