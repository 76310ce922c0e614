"""Scheduled sales jobs (Celery beat, see CELERY_BEAT_SCHEDULE; the management commands do the same from cron):
the tier rule where its review is due, and the out-of-stock risks every night."""

from celery import shared_task

from fieldcrm.org.models import Company
from fieldcrm.sales import stockouts, tiers


@shared_task
def apply_tier_rules() -> dict[int, dict]:
    """Each company whose review period has passed gets its tiers reviewed: {company_pk: summary}."""
    done = {}
    for company in Company.objects.all():
        run = tiers.apply_when_due(company)
        if run is not None:
            done[company.pk] = run.summary()
    return done


@shared_task
def refresh_stockout_risks() -> int:
    """Every company's out-of-stock risks as of today (nightly; also after an order import)."""
    return sum(stockouts.refresh_stockout_risks(company) for company in Company.objects.all())
