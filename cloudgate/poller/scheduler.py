"""The poller: each (account, kind) on its own interval, bounded concurrency, budgets, backoff, breaker."""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
import random
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from cloudgate.connections import AccountRef, DriverPool
from cloudgate.errors import CloudgateError, Throttled, Unavailable
from cloudgate.events.hub import EventHub
from cloudgate.model import CloudResource, Kind
from cloudgate.poller.diff import DiffStats, ListingTarget, apply_listing, apply_resource, hashed
from cloudgate.poller.hints import HintFeed
from cloudgate.poller.limits import TokenBucket, backoff_delay
from cloudgate.settings import Settings
from cloudgate.store import Store
from cloudgate.store import accounts as account_rows
from cloudgate.store.polls import HINT_FEED, failing_kinds, record_poll

log = logging.getLogger("cloudgate.poller")

PollKey = tuple[str, Kind]


@dataclass(slots=True)
class PollResult:
    account_id: str
    kind: Kind
    stats: DiffStats | None = None
    error: CloudgateError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class Poller:
    def __init__(
        self,
        store: Store,
        pool: DriverPool,
        hub: EventHub,
        settings: Settings,
        *,
        now: Callable[[], float] = time.time,
        rng: random.Random | None = None,
    ):
        self._store = store
        self._pool = pool
        self._hub = hub
        self._settings = settings
        self._now = now
        self._rng = rng or random.Random()
        self._global = asyncio.Semaphore(settings.poll_concurrency)
        self._per_endpoint: dict[tuple[str, str], asyncio.Semaphore] = {}
        self._buckets: dict[str, TokenBucket] = {}
        self._locks: dict[PollKey, asyncio.Lock] = {}
        self._inflight: dict[PollKey, asyncio.Task[PollResult]] = {}
        self._account_failures: dict[str, int] = {}
        self._kind_failures: dict[PollKey, int] = {}
        self._due: list[tuple[float, str, Kind]] = []
        self._next: dict[PollKey, float] = {}
        self._wake = asyncio.Event()
        self._feeds: dict[str, HintFeed] = {}  # change hint feeds of watched accounts, while `run` runs
        self._running = False

    # -- one poll ----------------------------------------------------------------------------

    def lock(self, account_id: str, kind: Kind) -> asyncio.Lock:
        """Held while a listing of (account, kind) is taken and applied; a gateway create holds it
        between the cloud naming the new resource and the store recording that name."""
        return self._locks.setdefault((account_id, kind), asyncio.Lock())

    async def poll(self, account_id: str, kind: Kind, *, fresh: bool = False) -> PollResult:
        """List (account, kind) completely and apply it; joins a poll of the same pair already running.
        A `fresh` poll lists after the call: one already running may have listed before a change the caller
        just made, so it is waited out rather than joined."""
        key = (account_id, kind)
        running = self._inflight.get(key)
        if fresh and running is not None:
            await asyncio.shield(running)
            newer = self._inflight.get(key)  # one started since lists after the call: joining it is enough
            running = newer if newer is not running else None
        if running is None:
            running = asyncio.ensure_future(self._poll(account_id, kind))
            self._inflight[key] = running
            running.add_done_callback(lambda done: self._forget_poll(key, done))
        return await asyncio.shield(running)

    def _forget_poll(self, key: PollKey, done: asyncio.Task[PollResult]) -> None:
        if self._inflight.get(key) is done:
            del self._inflight[key]

    async def _poll(self, account_id: str, kind: Kind) -> PollResult:
        try:
            driver, ref = await self._pool.get(account_id)
        except CloudgateError as exc:
            return PollResult(account_id, kind, error=exc)
        async with self._turn(ref, kind) as bucket:
            try:
                listing = await driver.list(kind)
            except Exception as exc:
                if not isinstance(exc, CloudgateError):
                    log.exception("driver %s failed listing %s", ref.cloud, kind.value)
                error = self._cloud_error(exc, bucket)
                await self._failed(ref, kind, error)
                return PollResult(account_id, kind, error=error)
            try:
                stats = await self._apply(ref, kind, driver.capabilities.public_kinds, listing)
            except Exception as exc:
                log.exception("applying the %s listing of %s failed", kind.value, ref.id)
                error = Unavailable(f"the store refused the listing: {type(exc).__name__}")
                await self._failed(ref, kind, error)
                return PollResult(account_id, kind, error=error)
        self._hub.published(stats.last_seq)
        return PollResult(account_id, kind, stats=stats)

    async def refresh_resource(self, account_id: str, kind: Kind, cloud_id: str) -> PollResult:
        """Read one resource and apply only it (after a change hint), within the account's budget and under
        the (account, kind) lock. A failed read changes nothing: it is not the cloud saying the resource is
        gone, and the next poll looks again."""
        try:
            driver, ref = await self._pool.get(account_id)
        except CloudgateError as exc:
            return PollResult(account_id, kind, error=exc)
        async with self._turn(ref, kind) as bucket:
            try:
                seen = await driver.get(kind, cloud_id)
            except Exception as exc:
                log.info("reading hinted %s %s of %s failed", kind.value, cloud_id, account_id, exc_info=True)
                return PollResult(account_id, kind, error=self._cloud_error(exc, bucket))
            stats = await self._apply_resource(ref, kind, driver.capabilities.public_kinds, cloud_id, seen)
        self._hub.published(stats.last_seq)
        return PollResult(account_id, kind, stats=stats)

    async def _apply_resource(
        self, ref: AccountRef, kind: Kind, public_kinds: frozenset[Kind], cloud_id: str, seen: CloudResource | None
    ) -> DiffStats:
        public = seen is not None and seen.public and kind in public_kinds
        target = (
            ListingTarget(ref.public_scope, None, ref.cloud, kind)
            if public
            else ListingTarget(ref.scope, ref.id, ref.cloud, kind)
        )
        async with self._store.write() as conn:
            if not await account_rows.lock_account(conn, ref.id):
                return DiffStats()  # removed meanwhile
            hashed_seen = (seen, seen.content_hash()) if seen is not None else None
            return await apply_resource(conn, target, cloud_id, hashed_seen, self._now())

    async def hint_feed_state(self, account_id: str, error: CloudgateError | None) -> None:
        """Record that the account's change hint feed connected (None) or broke (its error). Broken, the kinds
        it covered are polled at their normal interval again from now."""
        if error is not None:
            loop_now = asyncio.get_running_loop().time()
            for key, when in list(self._next.items()):
                normal = loop_now + self._settings.poll_interval(key[1])
                if key[0] == account_id and normal < when < float("inf"):
                    self._schedule(key, normal)
        async with self._store.write() as conn:
            if await account_rows.lock_account(conn, account_id):
                details = error.to_dict() if error is not None else None
                await record_poll(conn, account_id, HINT_FEED, self._now(), error=details, resources=None)

    def hinted(self, account_id: str, kind: Kind) -> bool:
        """Whether changes of (account, kind) are heard of as they happen: its polls may be spaced out."""
        feed = self._feeds.get(account_id)
        return feed is not None and kind in feed.kinds

    async def _apply(self, ref: AccountRef, kind: Kind, public_kinds: frozenset[Kind], listing: list) -> DiffStats:
        has_public = kind in public_kinds
        listed = hashed(listing)
        own = [pair for pair in listed if not pair[0].public] if has_public else listed
        public = [pair for pair in listed if pair[0].public] if has_public else []
        now = self._now()
        async with self._store.write() as conn:
            if not await account_rows.lock_account(conn, ref.id):
                return DiffStats()  # removed while it was being listed
            stats = await apply_listing(conn, ListingTarget(ref.scope, ref.id, ref.cloud, kind), own, now)
            if has_public:
                shared = await apply_listing(conn, ListingTarget(ref.public_scope, None, ref.cloud, kind), public, now)
                stats.created += shared.created
                stats.updated += shared.updated
                stats.deleted += shared.deleted
                stats.last_seq = shared.last_seq or stats.last_seq
            await record_poll(conn, ref.id, kind.value, now, error=None, resources=len(listing))
            # The breaker closes once every kind lists again: one kind recovering is not the account's health.
            recovered = not await failing_kinds(conn, ref.id)
            if recovered:
                await account_rows.mark_healthy(conn, ref.id, now)
        if recovered:
            self._account_failures[ref.id] = 0
        self._kind_failures[(ref.id, kind)] = 0
        return stats

    async def _failed(self, ref: AccountRef, kind: Kind, error: CloudgateError) -> None:
        now = self._now()
        failures = self._account_failures.get(ref.id, 0) + 1
        self._account_failures[ref.id] = failures
        self._kind_failures[(ref.id, kind)] = self._kind_failures.get((ref.id, kind), 0) + 1
        async with self._store.write() as conn:
            if not await account_rows.lock_account(conn, ref.id):
                return
            await record_poll(conn, ref.id, kind.value, now, error=error.to_dict(), resources=None)
            if failures >= self._settings.breaker_threshold:
                # The breaker opens: the account shows degraded with its last error until every kind lists again.
                await account_rows.set_health(conn, ref.id, "degraded", {**error.to_dict(), "kind": kind.value}, now)

    @contextlib.asynccontextmanager
    async def _turn(self, ref: AccountRef, kind: Kind) -> AsyncIterator[TokenBucket]:
        """A call of the account to its cloud about `kind`: within the concurrency bounds and the account's budget,
        under the (account, kind) lock. Yields the budget, for a throttled call to block."""
        bucket = self._bucket(ref.id)
        async with self._global, self._endpoint_semaphore(ref):
            await bucket.acquire()
            async with self.lock(ref.id, kind):
                yield bucket

    @staticmethod
    def _cloud_error(exc: Exception, bucket: TokenBucket) -> CloudgateError:
        """A driver's failure as the gateway's error; a throttled call blocks the budget as long as the cloud asked."""
        error = exc if isinstance(exc, CloudgateError) else Unavailable(f"driver error: {exc!r}")
        if isinstance(error, Throttled) and error.retry_after:
            bucket.block_for(error.retry_after)
        return error

    def _bucket(self, account_id: str) -> TokenBucket:
        bucket = self._buckets.get(account_id)
        if bucket is None:
            bucket = TokenBucket(self._settings.account_requests_per_second, self._settings.account_request_burst)
            self._buckets[account_id] = bucket
        return bucket

    def _endpoint_semaphore(self, ref: AccountRef) -> asyncio.Semaphore:
        key = (ref.cloud, ref.endpoint)
        semaphore = self._per_endpoint.get(key)
        if semaphore is None:
            semaphore = asyncio.Semaphore(self._settings.poll_concurrency_per_endpoint)
            self._per_endpoint[key] = semaphore
        return semaphore

    # -- the schedule ------------------------------------------------------------------------

    async def watch(self, account_id: str) -> None:
        """Start polling every kind the account's driver lists, soon."""
        driver, _ref = await self._pool.get(account_id)
        loop_now = asyncio.get_running_loop().time()
        for kind in sorted(driver.capabilities.kinds):
            self._schedule((account_id, kind), loop_now + self._rng.uniform(0, 0.25))
        if self._running and driver.capabilities.hints and account_id not in self._feeds:
            feed = HintFeed(account_id, self._pool, self, self._settings, self._rng)
            self._feeds[account_id] = feed
            feed.start()

    def forget(self, account_id: str) -> None:
        feed = self._feeds.pop(account_id, None)
        if feed is not None:
            feed.cancel()
        for key in [key for key in self._next if key[0] == account_id]:
            del self._next[key]
        self._account_failures.pop(account_id, None)
        self._buckets.pop(account_id, None)

    def _schedule(self, key: PollKey, when: float) -> None:
        self._next[key] = when
        heapq.heappush(self._due, (when, key[0], key[1]))
        self._wake.set()

    def delay_after(self, result: PollResult) -> float:
        """How long until (account, kind) is polled again after `result`: its interval, or backoff
        (never shorter than what the cloud asked for with Retry-After)."""
        if result.ok:
            interval = self._settings.poll_interval(result.kind)
            if self.hinted(result.account_id, result.kind):
                interval *= self._settings.hinted_poll_interval_factor
            return interval
        failures = self._kind_failures.get((result.account_id, result.kind), 1)
        delay = backoff_delay(
            failures, self._settings.backoff_base_seconds, self._settings.backoff_max_seconds, self._rng
        )
        retry_after = result.error.retry_after if result.error else None
        return max(delay, retry_after or 0.0)

    async def _poll_then_reschedule(self, key: PollKey) -> None:
        try:
            result = await self.poll(*key)
        except Exception as exc:
            log.exception("polling %s %s failed", key[0], key[1].value)
            result = PollResult(key[0], key[1], error=Unavailable(f"poll failed: {type(exc).__name__}"))
        if key in self._next:  # not forgotten meanwhile
            self._schedule(key, asyncio.get_running_loop().time() + self.delay_after(result))

    async def run(self) -> None:
        """Poll every watched (account, kind) when due, and follow their change hints, until cancelled."""
        self._running = True
        async with self._store.read() as conn:
            known = await account_rows.list_accounts(conn)
        for account in known:
            try:
                await self.watch(account.id)
            except CloudgateError as exc:
                log.warning("account %s cannot be polled: %s", account.id, exc.message)
        running: set[asyncio.Task] = set()
        loop = asyncio.get_running_loop()
        try:
            while True:
                now = loop.time()
                while self._due and self._due[0][0] <= now:
                    when, account_id, kind = heapq.heappop(self._due)
                    key = (account_id, kind)
                    if self._next.get(key) != when:
                        continue  # superseded or forgotten
                    del self._next[key]
                    self._next[key] = float("inf")  # in progress: not due until rescheduled
                    task = asyncio.create_task(self._poll_then_reschedule(key))
                    running.add(task)
                    task.add_done_callback(running.discard)
                self._wake.clear()
                timeout = self._due[0][0] - loop.time() if self._due else None
                # asyncio.timeout, not wait_for: 3.11's wait_for can swallow a cancel that races the
                # wake-up, and the loop would then outlive Gateway.close()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(timeout):
                        await self._wake.wait()
        finally:
            self._running = False
            feeds = [feed.cancel() for feed in self._feeds.values()]
            self._feeds.clear()
            for task in running:
                task.cancel()
            await asyncio.gather(*running, *(feed for feed in feeds if feed is not None), return_exceptions=True)
