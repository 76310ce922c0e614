"""Scheduled anonymisation of former retailers' personal data (Celery beat, daily; `manage.py
anonymise_customers` does the same from cron)."""

import logging

from celery import shared_task

from fieldcrm.customers.privacy import anonymise_due

log = logging.getLogger(__name__)


@shared_task
def anonymise_customers_job() -> int:
    outcome = anonymise_due()
    if outcome.customers:
        log.info("anonymised %d former customers (licence ended before %s): %s", len(outcome.customers),
                 outcome.cutoff.date(), outcome.rows)
    return len(outcome.customers)
