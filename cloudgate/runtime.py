"""Process-wide tuning for a gateway process (not applied by the library itself: the process owns it)."""

from __future__ import annotations

import gc

# A poll of 100k resources allocates millions of short-lived containers. At CPython's default
# thresholds (700, 10, 10) the cyclic collector runs so often, and walks the long-lived store
# indexes and driver caches so many times, that it takes more than half of a listing's time.
# Collecting rarely costs some memory between collections and gives that time back.
GC_THRESHOLDS = (100_000, 50, 100)


def tune_gc() -> None:
    gc.set_threshold(*GC_THRESHOLDS)


def freeze_startup_objects() -> None:
    """Move what start-up built (modules, settings, seeded data) out of the collector's sight for good."""
    gc.collect()
    gc.freeze()
