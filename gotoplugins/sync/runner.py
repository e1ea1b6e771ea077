"""sync_product: one run of the sync for one product, as the command, task and button call it.

Order of a run: check the product can sync → claim its lock → plan the window → read the
catalogue (a failure here fails the run) → fetch known events GoTo did not list → save the
catalogue → for each event that needs it, read its participants and write them (a failure
here is recorded and the run goes on) → record the run → release the lock.

No database transaction is held across a GoTo call: each event's rows are written in their
own short transaction after its fetches have all succeeded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from gotoplugins import errors
from gotoplugins.http import GoToApi, goto_api
from gotoplugins.models import Event, GoToAccount, ProductConnection, SyncRun
from gotoplugins.oauth import AccountTokens
from gotoplugins.products import PRODUCTS
from gotoplugins.sync import catalogue, lock, window, writer
from gotoplugins.sync.sources import SOURCES, Source
from gotoplugins.sync.types import Catalogue, Counts, Entry, Failure, Window
from segments import tasks as segment_tasks

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
# Failures that concern the account, not one event: going on would only fail again.
ACCOUNT_ERRORS = (errors.NeedsReconnect, errors.AuthenticationFailed)
NEEDS_ORGANIZER_KEY = frozenset({"webinar", "training"})


def api_for(account: GoToAccount) -> GoToApi:
    """The GoTo API as this account (tests replace it with one bound to the local emulator)."""
    return goto_api(AccountTokens(account))


def products_to_sync() -> list[str]:
    """Enabled products whose account is connected (not waiting for a reconnect)."""
    connections = ProductConnection.objects.filter(
        enabled=True, account__isnull=False
    ).select_related("account")
    ready = {c.product for c in connections if c.account is not None and c.account.is_connected}
    return [key for key in PRODUCTS if key in ready]


def sync_product(
    product: str,
    *,
    trigger: str,
    event_key: str | None = None,
    since: datetime | None = None,
    full: bool = False,
    progress: Progress | None = None,
) -> SyncRun:
    """Sync one product and return its SyncRun (saved). GoTo failures never raise from here.

    Statuses: SUCCESS; PARTIAL (some events failed, the others are synced); FAILED (nothing
    could be read: not enabled, no account, needs reconnect, catalogue listing failed);
    SKIPPED (another run holds the product's lock).
    """
    if product not in PRODUCTS:
        raise ValueError(f"Unknown GoTo product: {product!r}")
    connection = ProductConnection.objects.select_related("account").filter(product=product).first()
    problem = _not_ready(product, connection)
    if problem or connection is None or connection.account is None:
        return _early_run(product, trigger, full, SyncRun.Status.FAILED, problem)
    token = lock.claim(product)
    if token is None:
        return _early_run(product, trigger, full, SyncRun.Status.SKIPPED, _busy(product))
    try:
        run = _Run(connection.account, product, trigger, token, progress).execute(
            event_key=event_key, since=since, full=full
        )
    finally:
        lock.release(product, token)
    if run.status in (SyncRun.Status.SUCCESS, SyncRun.Status.PARTIAL):
        refresh_goto_segments()
    return run


def refresh_goto_segments() -> None:
    """Segments with GoTo filters follow the sync. Always, not only when rows changed: an event
    that ended since the last run turns its no-shows into "did not attend"."""
    transaction.on_commit(lambda: segment_tasks.rebuild_all.delay(only_kinds_prefix="goto."))


def _not_ready(product: str, connection: ProductConnection | None) -> str:
    label = PRODUCTS[product].label
    if connection is None or not connection.enabled:
        return f"{label} is not enabled (Plugins page)."
    account = connection.account
    if account is None:
        return f"{label} has no GoTo account (Plugins page)."
    if account.needs_reconnect:
        return f"The GoTo account “{account}” needs to be reconnected (Plugins page → Connect)."
    if not account.is_connected:
        return f"The GoTo account “{account}” is not connected (Plugins page → Connect)."
    if product in NEEDS_ORGANIZER_KEY and not account.organizer_key:
        return f"The GoTo account “{account}” has no organizer key: connect it again."
    return ""


def _busy(product: str) -> str:
    until = lock.held_until(product)
    when = f" (its lock expires at {until:%H:%M} UTC at the latest)" if until else ""
    return f"Another {PRODUCTS[product].label} sync is running{when}; this one was skipped."


def _early_run(product: str, trigger: str, full: bool, status: str, message: str) -> SyncRun:
    now = timezone.now()
    run = SyncRun.objects.create(
        product=product,
        trigger=trigger,
        status=status,
        started_at=now,
        finished_at=now,
        full=full,
        counts=Counts().as_dict(),
        errors=[Failure("", message).as_dict()],
    )
    if status == SyncRun.Status.FAILED:
        ProductConnection.objects.filter(product=product).update(last_error=message)
    return run


class _Run:
    def __init__(
        self,
        account: GoToAccount,
        product: str,
        trigger: str,
        token: str,
        progress: Progress | None,
    ) -> None:
        self.account = account
        self.product = product
        self.trigger = trigger
        self.token = token
        self.progress = progress
        self.source: Source = SOURCES[product]
        self.now = timezone.now()
        self.counts = Counts()
        self.failures: list[Failure] = []
        self.run: SyncRun | None = None

    def execute(self, *, event_key: str | None, since: datetime | None, full: bool) -> SyncRun:
        plan, retry = window.plan(self.product, self.account, now=self.now, since=since, full=full)
        self.run = SyncRun.objects.create(
            product=self.product,
            trigger=self.trigger,
            started_at=self.now,
            full=plan.full and event_key is None,
            window_start=None if event_key else plan.start,  # an --id run is no cursor
        )
        label = PRODUCTS[self.product].label
        reading = f"{label} event {event_key}" if event_key else f"the {label} catalogue"
        try:
            api = api_for(self.account)
            found = self._one(api, event_key) if event_key else self._catalogue(api, plan, retry)
            self._sync(api, found, plan, retry, everything=bool(event_key))
        except errors.NeedsReconnect as error:
            message = f"The GoTo account “{self.account}” needs to be reconnected ({error})"
            return self._finish(SyncRun.Status.FAILED, message)
        except errors.AuthenticationFailed as error:
            message = f"GoTo refused the account “{self.account}”: {error}"
            return self._finish(SyncRun.Status.FAILED, message)
        except errors.GoToError as error:
            return self._finish(SyncRun.Status.FAILED, f"Could not read {reading}: {error}")
        except lock.LockLost as error:
            return self._finish(SyncRun.Status.FAILED, str(error))
        except Exception as error:
            self._finish(SyncRun.Status.FAILED, f"Internal error: {type(error).__name__}")
            raise
        status = SyncRun.Status.PARTIAL if self.failures else SyncRun.Status.SUCCESS
        return self._finish(status)

    # --- reading the catalogue ----------------------------------------------------------------

    def _catalogue(self, api: GoToApi, plan: Window, retry: frozenset[str]) -> Catalogue:
        entries = {e.key: e for e in self.source.catalogue(api, self.account, plan, self.now)}
        found = Catalogue(entries=list(entries.values()))
        if self.source.fetch is None:
            return found  # GoTo has no call for one meeting or assist session
        known = catalogue.known_to_check(self.product, self.account, plan, set(entries), retry)
        for key in known:
            self._fetch_known(api, key, found)
        return found

    def _fetch_known(self, api: GoToApi, key: str, found: Catalogue) -> None:
        assert self.source.fetch is not None
        try:
            found.entries.append(self.source.fetch(api, self.account, key))
        except errors.NotFound:
            found.gone.append(key)
        except ACCOUNT_ERRORS:
            raise
        except errors.GoToError as error:
            found.failures.append(Failure(key, str(error)))

    def _one(self, api: GoToApi, key: str) -> Catalogue:
        try:
            return Catalogue(entries=[self.source.find(api, self.account, key, self.now)])
        except errors.NotFound:
            known = Event.objects.filter(product=self.product, account=self.account, key=key)
            if self.source.fetch is None or not known.exists():
                raise
            return Catalogue(gone=[key])

    # --- writing ------------------------------------------------------------------------------

    def _sync(
        self, api: GoToApi, found: Catalogue, plan: Window, retry: frozenset[str], everything: bool
    ) -> None:
        self.failures += found.failures
        saved = catalogue.save(self.product, self.account, found.entries, self.now)
        catalogue.mark_gone(self.product, self.account, found.gone, self.now)
        self.counts.events = len(saved) + len(found.gone)
        todo = [e for e in found.entries if everything or _needs_participants(e, plan, retry)]
        self._report(0, len(todo))
        for done, entry in enumerate(todo, start=1):
            self._sync_event(api, entry, saved[entry.key])
            lock.renew(self.product, self.token)
            self._report(done, len(todo))

    def _sync_event(self, api: GoToApi, entry: Entry, event: Event) -> None:
        try:
            participants = self.source.participants(api, self.account, entry, self.now)
        except ACCOUNT_ERRORS:
            raise
        except errors.GoToError as error:
            self.failures.append(Failure(entry.key, str(error)))
            return
        try:
            self.counts.add(writer.save(event, participants, now=self.now))
        except IntegrityError as error:  # raced twice with another writer: next run retries
            logger.warning("GoTo sync of %s %s: %s", self.product, entry.key, error)
            self.failures.append(Failure(entry.key, "Another writer changed this event's rows."))

    def _report(self, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(done, total)

    # --- recording ----------------------------------------------------------------------------

    def _finish(self, status: str, message: str = "") -> SyncRun:
        assert self.run is not None
        if message:
            self.failures.append(Failure("", message))
        self.counts.failures = sum(1 for failure in self.failures if failure.event)
        run = self.run
        run.status = status
        run.finished_at = timezone.now()
        run.counts = self.counts.as_dict()
        run.errors = [failure.as_dict() for failure in self.failures]
        run.save(update_fields=["status", "finished_at", "counts", "errors"])
        self._record_on_connection(status)
        logger.info("GoTo %s sync %s: %s", self.product, status, run.counts)
        return run

    def _record_on_connection(self, status: str) -> None:
        connection = ProductConnection.objects.filter(product=self.product)
        if status == SyncRun.Status.SUCCESS:
            connection.update(last_sync_at=self.now, last_error="")
        elif status == SyncRun.Status.PARTIAL:
            connection.update(last_sync_at=self.now, last_error=_summary(self.failures))
        else:
            connection.update(last_error=_summary(self.failures))


def _needs_participants(entry: Entry, plan: Window, retry: frozenset[str]) -> bool:
    """Upcoming events, events ended inside the window, earlier failures; all on a full run."""
    ends = entry.ends_at
    return plan.full or entry.key in retry or ends is None or ends >= plan.start


def _summary(failures: list[Failure]) -> str:
    events = [f for f in failures if f.event]
    general = [f.message for f in failures if not f.event]
    parts = list(general)
    if events:
        noun = "event" if len(events) == 1 else "events"
        parts.append(f"{len(events)} {noun} failed; first: {events[0].event}: {events[0].message}")
    return " ".join(parts)
