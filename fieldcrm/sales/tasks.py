"""Scheduled sales jobs (Celery beat, see CELERY_BEAT_SCHEDULE; the management commands do the same from cron):
the analytics copy nightly and after an order import, then the out-of-stock risks every night and the tier rule
where its review is due."""

from celery import shared_task

from fieldcrm.org.models import Company
from fieldcrm.sales import stockouts, tiers
from fieldcrm.sales.analytics import store


@shared_task
def refresh_analytics(months: list[str] | None = None) -> dict:
    """Bring the Parquet copy up to date; `months` (YYYY-MM) are rewritten whatever their stamps say."""
    return store.refresh(months=months or ()).rewritten


def refresh_after_import(months) -> None:
    """What the order import calls when its transaction has committed: the months its lines fall in."""
    refresh_analytics.delay(sorted({str(m)[:7] for m in months}))


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
