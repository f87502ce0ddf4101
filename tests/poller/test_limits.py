"""Token bucket pacing and backoff bounds, on a clock the test drives."""

from __future__ import annotations

import random

from cloudgate.poller.limits import TokenBucket, backoff_delay


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_bucket_allows_a_burst_then_paces_at_its_rate():
    clock = Clock()
    bucket = TokenBucket(rate=2.0, burst=3, clock=clock)
    assert [bucket.delay() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.delay() == 0.5  # empty: the next token comes in 1/rate seconds
    clock.now += 0.5
    assert bucket.delay() == 0.0
    clock.now += 100
    assert [bucket.delay() for _ in range(3)] == [0.0] * 3  # refills only up to the burst
    assert bucket.delay() > 0


def test_retry_after_blocks_the_bucket():
    clock = Clock()
    bucket = TokenBucket(rate=100.0, burst=10, clock=clock)
    bucket.block_for(30)
    assert bucket.delay() == 30
    clock.now += 29
    assert bucket.delay() == 1
    clock.now += 1
    assert bucket.delay() == 0.0


def test_backoff_grows_exponentially_within_its_cap_with_jitter():
    rng = random.Random(1)
    for failures, ceiling in [(1, 2), (2, 4), (3, 8), (10, 300), (50, 300)]:
        delays = [backoff_delay(failures, 2.0, 300.0, rng) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 1
