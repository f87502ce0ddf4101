"""The parts of a benchmark run, by name: the module whose `run(quick)` measures each, in run order."""

from __future__ import annotations

PARTS: dict[str, str] = {
    "poll": "bench.scale",
    "latency": "bench.latency",
    "hints": "bench.hints",
    "reads": "bench.reads",
    "events": "bench.delivery",
    "amqp": "bench.amqp",
    "openstack": "bench.openstack_reads",
    "replicate": "bench.replicate",
    "dashboard": "bench.dashboard",
}
