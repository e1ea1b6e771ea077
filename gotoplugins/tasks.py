"""Celery tasks over the sync engine. Beat schedules one per product (config/celery.py)."""

from __future__ import annotations

import logging

from celery import shared_task

from gotoplugins import sync
from gotoplugins.models import SyncRun

logger = logging.getLogger(__name__)


@shared_task(name="gotoplugins.sync_product", ignore_result=True)
def sync_product_task(product: str, trigger: str = SyncRun.Trigger.SCHEDULE) -> None:
    """Sync one product. Scheduled runs of products that are off or not connected do nothing,
    so beat needs no reconfiguring when an admin switches a product."""
    if trigger == SyncRun.Trigger.SCHEDULE and product not in sync.products_to_sync():
        logger.info("Skipping the scheduled %s sync: the product is off or not connected", product)
        return
    run = sync.sync_product(product, trigger=trigger)
    logger.info("GoTo %s sync finished: %s %s", product, run.status, run.counts)
