"""The sim cloud's change notifications: what it tells subscribed drivers of each change, per project.

A notification names a row (collection and id) that was created, changed, moved to another status or
removed — through the API, by a timed transition, or at the console behind the gateway's back. It is sent
when the change is applied; `Faults.hints` turns sending on, `hint_loss` drops some and `hint_delay` holds
them back. Transitions are applied lazily (at the cloud's next call), so while anyone listens the cloud
also wakes itself at each transition's due time to apply it (`wake`). Subscribers live in this process:
a durable cloud shared by several processes tells each only of the changes made in it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from typing import NamedTuple

from cloudgate.drivers.sim.faults import Faults
from cloudgate.drivers.sim.native import SimApiError


class Notice(NamedTuple):
    collection: str
    id: str


# Put in a subscription's queue to end it with this error (the connection dropped).
Cut = SimApiError


class Subscription:
    """One subscriber's notifications: `received` yields them, `close` leaves."""

    def __init__(self, feed: NoticeFeed, project: str):
        self._feed = feed
        self.project = project
        self.queue: asyncio.Queue[Notice | Cut] = asyncio.Queue()

    async def received(self) -> AsyncGenerator[Notice, None]:
        """The notifications, as they come, until the connection is cut (`SimApiError`)."""
        try:
            while True:
                item = await self.queue.get()
                if isinstance(item, SimApiError):
                    raise item
                yield item
        finally:
            self.close()

    def close(self) -> None:
        self._feed.leave(self)


class NoticeFeed:
    """The subscribers of one cloud, by project."""

    def __init__(self, faults: Callable[[], Faults], now: Callable[[], float], settle: Callable[[], None]):
        self._faults = faults
        self._now = now
        self._settle = settle
        self._subscribers: dict[str, set[Subscription]] = {}
        self._wakes: dict[float, asyncio.TimerHandle] = {}

    def listeners(self) -> int:
        return sum(len(listening) for listening in self._subscribers.values())

    def subscribe(self, project: str) -> Subscription:
        subscription = Subscription(self, project)
        self._subscribers.setdefault(project, set()).add(subscription)
        return subscription

    def leave(self, subscription: Subscription) -> None:
        listening = self._subscribers.get(subscription.project)
        if listening is not None:
            listening.discard(subscription)
            if not listening:
                del self._subscribers[subscription.project]

    def cut(self, error: SimApiError | None = None) -> None:
        """Drop every subscriber's connection: each subscription's iteration raises `error`."""
        error = error or SimApiError("ServiceUnavailable", "the notification service went away")
        for listening in list(self._subscribers.values()):
            for subscription in list(listening):
                subscription.queue.put_nowait(error)
                self.leave(subscription)

    def changed(self, project: str | None, collection: str, row_id: str) -> None:
        """A row of `project` changed: tell its subscribers (as the faults allow)."""
        faults = self._faults()
        listening = self._subscribers.get(project) if project is not None else None
        if not faults.hints or not listening:
            return
        notice = Notice(collection, row_id)
        for subscription in list(listening):
            if faults.loses_hint():
                continue
            if faults.hint_delay:
                asyncio.get_running_loop().call_later(faults.hint_delay, subscription.queue.put_nowait, notice)
            else:
                subscription.queue.put_nowait(notice)

    def wake(self, at: float) -> None:
        """A transition falls due at `at` (the cloud's clock): apply it then, while anyone listens, so that
        its notification goes out when it happens rather than at the next call."""
        if not self._subscribers or not self._faults().hints or at in self._wakes:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop to wake on: the transition is applied, and told of, at the next call
        self._wakes[at] = loop.call_later(max(at - self._now(), 0.0), self._woken, at)

    def _woken(self, at: float) -> None:
        del self._wakes[at]
        self._settle()
