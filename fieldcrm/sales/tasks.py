"""Analytics refresh jobs: nightly (Celery beat) and after an order import (`refresh_after_import`)."""

from celery import shared_task

from fieldcrm.sales.analytics import store


@shared_task
def refresh_analytics(months: list[str] | None = None) -> dict:
    """Bring the Parquet copy up to date; `months` (YYYY-MM) are rewritten whatever their stamps say."""
    return store.refresh(months=months or ()).rewritten


def refresh_after_import(months) -> None:
    """What the order import calls when its transaction has committed: the months its lines fall in."""
    refresh_analytics.delay(sorted({str(m)[:7] for m in months}))
