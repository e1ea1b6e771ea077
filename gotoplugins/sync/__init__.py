"""The GoTo sync engine: the local event catalogue, participations, and their timeline.

One entry point, `sync_product()`, called by `manage.py citrix_sync`, the Celery task and the
Plugins page's "Sync now" button (DESIGN.md rule 2). `products_to_sync()` says which products
a scheduled run covers.

Modules: `runner` (a run, its lock and its record), `window` (what a run reads; the choice of
window is explained there), `sources` (each product's GoTo calls), `catalogue` (events),
`writer` (participations, cancellations, timeline), `people` (contacts), `lock`, `types`.
"""

from gotoplugins.sync.runner import products_to_sync, sync_product

__all__ = ["products_to_sync", "sync_product"]
